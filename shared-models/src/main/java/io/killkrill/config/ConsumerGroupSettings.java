package io.killkrill.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
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

    /** The settings, in documentation order. */
    public static final List<Setting<?>> ALL = List.of(CONSUMER_NAME, CLAIM_IDLE_MS);

    private ConsumerGroupSettings() {
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
