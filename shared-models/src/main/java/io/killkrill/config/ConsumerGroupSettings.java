package io.killkrill.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/** Settings every stream worker reads: how it names itself in its consumer group and when it takes over. */
public final class ConsumerGroupSettings {
    public static final Setting<String> CONSUMER_NAME = Setting.optional("KILLKRILL_CONSUMER_NAME",
            SettingType.matching("[A-Za-z0-9:._-]{1,128}", "1-128 characters of A-Z, a-z, 0-9 and :._-"),
            "Consumer name of this worker in its group; unset means hostname-pid-random, unique per process.");
    public static final Setting<Integer> CLAIM_IDLE_MS = Setting.of("KILLKRILL_CLAIM_IDLE_MS",
            SettingType.integer(100, 86_400_000), "30000",
            "Entries pending (delivered, unacknowledged) longer than this many milliseconds are claimed"
                    + " (XAUTOCLAIM) by a live consumer: how a crashed worker's batch is taken over.");

    public static final Setting<Integer> MAX_DELIVERIES = Setting.of("KILLKRILL_MAX_DELIVERIES",
            SettingType.integer(1, 1_000), "5",
            "An entry handed to the worker's sink this many times without being settled (it failed, or its worker"
                    + " died, each time) is dead-lettered max_deliveries_exceeded instead of being delivered again."
                    + " Waiting out an outage of Elasticsearch or PostgreSQL counts no deliveries.");
    public static final Setting<Integer> DLQ_MAX_LENGTH = Setting.of("KILLKRILL_DLQ_MAX_LENGTH",
            SettingType.integer(1_000, 100_000_000), "100000",
            "The worker's dead-letter stream is trimmed (approximately, XADD MAXLEN ~) to this many entries; what is"
                    + " trimmed is counted (killkrill_<service>_stream_dead_letters_trimmed_total) and logged. About"
                    + " 1.5 KiB of Redis memory per dead letter of a 1 KiB entry: 150 MiB at the default.");
    public static final Setting<Duration> TRIM_INTERVAL = Setting.of("KILLKRILL_TRIM_INTERVAL",
            SettingType.duration(Duration.ofMillis(100), Duration.ofHours(1)), "10s",
            "How often the worker trims its stream to what every group has acknowledged, removes departed"
                    + " consumers and refreshes the stream gauges.");
    public static final Setting<Duration> CONSUMER_EXPIRY = Setting.of("KILLKRILL_CONSUMER_EXPIRY",
            SettingType.duration(Duration.ofSeconds(1), Duration.ofDays(30)), "1h",
            "A consumer of the group idle this long with nothing pending (a replica that was restarted under a new"
                    + " name) is removed from the group (XGROUP DELCONSUMER).");

    /** The settings, in documentation order. */
    public static final List<Setting<?>> ALL = List.of(CONSUMER_NAME, CLAIM_IDLE_MS, MAX_DELIVERIES, DLQ_MAX_LENGTH,
            TRIM_INTERVAL, CONSUMER_EXPIRY);

    private ConsumerGroupSettings() {
    }

    /**
     * How the stream runtime bounds what a worker's consumer group keeps: deliveries per entry, dead letters,
     * trimming and departed consumers; and how many replicas must hold an entry before the worker acts on it.
     */
    public record Runtime(int maxDeliveries, long deadLetterMaxLength, Duration trimInterval, Duration consumerExpiry,
                          ReplicaAcks replicaAcks) {
        public Runtime {
            java.util.Objects.requireNonNull(trimInterval, "trimInterval");
            java.util.Objects.requireNonNull(consumerExpiry, "consumerExpiry");
            java.util.Objects.requireNonNull(replicaAcks, "replicaAcks");
        }

        /** Without replica acknowledgements. */
        public Runtime(int maxDeliveries, long deadLetterMaxLength, Duration trimInterval, Duration consumerExpiry) {
            this(maxDeliveries, deadLetterMaxLength, trimInterval, consumerExpiry, ReplicaAcks.NONE);
        }

        public static Runtime from(Config config) {
            return new Runtime(config.get(MAX_DELIVERIES), config.get(DLQ_MAX_LENGTH), config.get(TRIM_INTERVAL),
                    config.get(CONSUMER_EXPIRY), CommonSettings.replicaAcks(config));
        }

        public Runtime withTrimInterval(Duration interval) {
            return new Runtime(maxDeliveries, deadLetterMaxLength, interval, consumerExpiry, replicaAcks);
        }
    }

    /** The configured consumer name, or {@link #uniqueConsumerName()}. */
    public static String consumerName(Config config) {
        return config.optional(CONSUMER_NAME).orElseGet(ConsumerGroupSettings::uniqueConsumerName);
    }

    /** hostname-pid-random: unique even when two workers share a host and a restarted one reuses a pid. */
    public static String uniqueConsumerName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        return host.replaceAll("[^A-Za-z0-9._-]", "_") + "-" + ProcessHandle.current().pid() + "-"
                + UUID.randomUUID().toString().substring(0, 8);
    }
}
