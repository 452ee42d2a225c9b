package io.killkrill.stream;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;

import static org.assertj.core.api.Assertions.assertThat;

class RedisFailoversTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private double failovers() {
        return registry.get("killkrill.log_worker.redis.failovers").counter().count();
    }

    @Test
    void eachMoveToAnotherMasterIsCountedOnceAndTheFirstMasterIsNone() {
        RedisFailovers.MasterWatch watch = RedisFailovers.counted(registry, "log-worker")
                .watch("killkrill", new HostAndPort("127.0.0.1", 46379));
        assertThat(failovers()).as("the first master").isZero();

        watch.observe(new HostAndPort("127.0.0.1", 46379));
        watch.observe(null); // no master known (all sentinels down): nothing to report
        assertThat(failovers()).as("the same master again").isZero();

        watch.observe(new HostAndPort("127.0.0.1", 46380));
        watch.observe(new HostAndPort("127.0.0.1", 46380));
        assertThat(failovers()).as("one switch, seen by many connections").isEqualTo(1);
        assertThat(watch.current()).isEqualTo(new HostAndPort("127.0.0.1", 46380));

        watch.observe(new HostAndPort("127.0.0.1", 46379));
        assertThat(failovers()).as("a switch back is another failover").isEqualTo(2);
    }

    @Test
    void aToolWithoutMetersOnlyLogs() {
        RedisFailovers.MasterWatch watch = RedisFailovers.logged().watch("m", new HostAndPort("a", 1));
        watch.observe(new HostAndPort("b", 1));
        assertThat(watch.current()).isEqualTo(new HostAndPort("b", 1));
        assertThat(registry.getMeters()).isEmpty();
    }
}
