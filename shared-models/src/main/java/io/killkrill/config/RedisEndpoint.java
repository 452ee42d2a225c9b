package io.killkrill.config;

import java.net.URI;
import java.util.List;
import java.util.Objects;

/**
 * Where a service finds the Redis holding the streams, as {@link CommonSettings#redisEndpoint} reads it: one Redis
 * named by its URL ({@code KILLKRILL_REDIS_URL}), or the master a set of Sentinels monitor
 * ({@code KILLKRILL_REDIS_SENTINELS} + {@code KILLKRILL_REDIS_MASTER_NAME}), which the clients follow when Sentinel
 * promotes a replica, or a Redis Cluster ({@code KILLKRILL_REDIS_CLUSTER_NODES}). Exactly one of them: the settings
 * are refused at start-up otherwise.
 */
public sealed interface RedisEndpoint {

    /** One line for the logs, without a password. */
    String describe();

    /** One Redis at {@code url} ({@code redis://[:password@]host:port[/db]}, {@code rediss://} for TLS). */
    record Standalone(URI url) implements RedisEndpoint {
        public Standalone {
            Objects.requireNonNull(url, "url");
        }

        @Override
        public String describe() {
            return Masking.maskUserInfo(url.toString());
        }
    }

    /** The master called {@code masterName} by the Sentinels at {@code sentinels} (at least one). */
    record Sentinel(List<Address> sentinels, String masterName) implements RedisEndpoint {
        public Sentinel {
            sentinels = List.copyOf(sentinels);
            Objects.requireNonNull(masterName, "masterName");
            if (sentinels.isEmpty()) {
                throw new IllegalArgumentException("no sentinel");
            }
        }

        @Override
        public String describe() {
            return "master '" + masterName + "' of the sentinels " + String.join(",",
                    sentinels.stream().map(Address::toString).toList());
        }
    }

    /**
     * A Redis Cluster reached through {@code nodes} (some of its nodes are enough: the client learns the others and
     * which master holds which slot, and follows a replica's promotion).
     */
    record Cluster(List<Address> nodes) implements RedisEndpoint {
        public Cluster {
            nodes = List.copyOf(nodes);
            if (nodes.isEmpty()) {
                throw new IllegalArgumentException("no cluster node");
            }
        }

        @Override
        public String describe() {
            return "Redis Cluster of the nodes " + String.join(",", nodes.stream().map(Address::toString).toList());
        }
    }

    /** A {@code host:port}. */
    record Address(String host, int port) {
        public Address {
            Objects.requireNonNull(host, "host");
        }

        @Override
        public String toString() {
            return host + ":" + port;
        }
    }
}
