package io.killkrill.stream;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.HostAndPort;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Reports a Sentinel failover as a service sees it: its Redis client now connects to another master than before
 * (Jedis learnt of the switch from a sentinel's {@code +switch-master} and moved its pool). One log line and
 * {@code killkrill.<service>.redis.failovers} + 1 per switch; the first master a client finds is no failover.
 */
public final class RedisFailovers {
    private static final Logger LOG = LoggerFactory.getLogger(RedisFailovers.class);

    private final Optional<Counter> failovers;

    private RedisFailovers(Optional<Counter> failovers) {
        this.failovers = failovers;
    }

    /** Counted in {@code registry} as {@code killkrill.<service>.redis.failovers} (a {@code -} spelled {@code _}). */
    public static RedisFailovers counted(MeterRegistry registry, String service) {
        return new RedisFailovers(Optional.of(Counter.builder("killkrill." + service.replace('-', '_')
                        + ".redis.failovers")
                .description("Sentinel failovers this service followed: its Redis client moved to a new master")
                .register(registry)));
    }

    /** Logged only: a command-line tool, which has no meters. */
    public static RedisFailovers logged() {
        return new RedisFailovers(Optional.empty());
    }

    /** Follows one client's master, starting at {@code first}. */
    MasterWatch watch(String masterName, HostAndPort first) {
        return new MasterWatch(masterName, first);
    }

    /** The master one client connects to; {@link #observe} reports each change once. */
    final class MasterWatch {
        private final String masterName;
        private final AtomicReference<HostAndPort> current;

        private MasterWatch(String masterName, HostAndPort first) {
            this.masterName = masterName;
            this.current = new AtomicReference<>(Objects.requireNonNull(first, "first"));
        }

        /** Called with the client's master before each connection it hands out. */
        void observe(HostAndPort master) {
            if (master == null) {
                return;
            }
            HostAndPort before = current.getAndSet(master);
            if (!master.equals(before)) {
                LOG.warn("stage=redis Sentinel failover: master '{}' moved from {} to {}; following it", masterName,
                        before, master);
                failovers.ifPresent(Counter::increment);
            }
        }

        HostAndPort current() {
            return current.get();
        }
    }
}
