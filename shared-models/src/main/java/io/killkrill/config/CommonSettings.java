package io.killkrill.config;

import java.util.List;
import java.util.Optional;

/** Settings every KillKrill service reads: where Redis is and what the streams are called. */
public final class CommonSettings {
    private static final String STREAM_KEY = "[A-Za-z0-9:._{}-]{1,200}";
    private static final String STREAM_KEY_DOC = "a Redis key of letters, digits and :._{}-";

    public static final Setting<java.net.URI> REDIS_URL = Setting.of("KILLKRILL_REDIS_URL",
            SettingType.uri("redis", "rediss"), "redis://localhost:6379",
            "Redis holding the streams; redis://[:password@]host:port[/db], rediss:// for TLS. Leave it unset when"
                    + " KILLKRILL_REDIS_SENTINELS or KILLKRILL_REDIS_CLUSTER_NODES is set (exactly one of them).");
    public static final Setting<List<RedisEndpoint.Address>> REDIS_SENTINELS = Setting.optional(
            "KILLKRILL_REDIS_SENTINELS", SettingType.hostPorts(),
            "Instead of KILLKRILL_REDIS_URL: the Redis Sentinels (host:port,host:port) that monitor the master named by"
                    + " KILLKRILL_REDIS_MASTER_NAME. The services ask them for the master and follow a failover (a"
                    + " replica promoted) without a restart, logging it and counting it in"
                    + " killkrill_<service>_redis_failovers_total. Sentinel mode connects without a password or TLS.");
    public static final Setting<String> REDIS_MASTER_NAME = Setting.optional("KILLKRILL_REDIS_MASTER_NAME",
            SettingType.string(), "The master name the sentinels of KILLKRILL_REDIS_SENTINELS monitor; required with"
                    + " it, refused without it.");
    public static final Setting<List<RedisEndpoint.Address>> REDIS_CLUSTER_NODES = Setting.optional(
            "KILLKRILL_REDIS_CLUSTER_NODES", SettingType.hostPorts(),
            "Instead of KILLKRILL_REDIS_URL or the Sentinels: nodes (host:port,host:port) of the Redis Cluster holding"
                    + " the streams; some of its nodes are enough, the client learns the rest. Use it with"
                    + " KILLKRILL_STREAM_SHARDS so that the streams spread over the cluster's masters. Connects"
                    + " without a password or TLS.");
    public static final Setting<Integer> STREAM_SHARDS = Setting.of("KILLKRILL_STREAM_SHARDS",
            SettingType.integer(1, 256), "1",
            "How many Redis keys each stream (logs, metrics, their dead-letter streams) is split into:"
                    + " <name>{0} .. <name>{N-1}, a hash tag each, so that on a Redis Cluster the shards spread over"
                    + " its masters. The receivers spread their writes over the shards, every worker reads every"
                    + " shard; order is kept within a shard. 1 (the default) is the stream names as they are. Set it"
                    + " the same on every service.");
    public static final Setting<Integer> REDIS_MIN_REPLICA_ACKS = Setting.of("KILLKRILL_REDIS_MIN_REPLICA_ACKS",
            SettingType.integer(0, 16), "0",
            "How many Redis replicas must hold an item before it counts (WAIT): the receivers acknowledge it (HTTP"
                    + " 2xx, RELP 200 OK) and the workers index or aggregate an entry they read only then. When fewer"
                    + " acknowledge within KILLKRILL_REDIS_REPLICA_ACK_TIMEOUT, HTTP gets 503 with Retry-After (the"
                    + " master holds the items: retry with the same Idempotency-Key), RELP frames are answered later,"
                    + " the receivers refuse writes (not ready) and the workers wait until the replicas acknowledge"
                    + " again. 0 counts an item as soon as the master stored it: a failover can lose what it had not"
                    + " yet replicated. Set it the same on every service.");
    public static final Setting<java.time.Duration> REDIS_REPLICA_ACK_TIMEOUT = Setting.of(
            "KILLKRILL_REDIS_REPLICA_ACK_TIMEOUT",
            SettingType.duration(java.time.Duration.ofMillis(10), java.time.Duration.ofSeconds(10)), "1s",
            "With KILLKRILL_REDIS_MIN_REPLICA_ACKS above 0: how long one WAIT for the replicas' acknowledgements"
                    + " lasts.");
    public static final Setting<String> LOGS_STREAM = Setting.of("KILLKRILL_LOGS_STREAM",
            SettingType.matching(STREAM_KEY, STREAM_KEY_DOC), "logs-stream", "Stream of log events.");
    public static final Setting<String> METRICS_STREAM = Setting.of("KILLKRILL_METRICS_STREAM",
            SettingType.matching(STREAM_KEY, STREAM_KEY_DOC), "metrics-stream", "Stream of metric samples.");
    public static final Setting<String> LOGS_DLQ = Setting.of("KILLKRILL_LOGS_DLQ",
            SettingType.matching(STREAM_KEY, STREAM_KEY_DOC), "logs-dlq", "Dead-letter stream for logs.");
    public static final Setting<String> METRICS_DLQ = Setting.of("KILLKRILL_METRICS_DLQ",
            SettingType.matching(STREAM_KEY, STREAM_KEY_DOC), "metrics-dlq", "Dead-letter stream for metrics.");
    public static final Setting<String> LOG_GROUP = Setting.of("KILLKRILL_LOG_GROUP",
            SettingType.matching(STREAM_KEY, STREAM_KEY_DOC), "log-workers", "Consumer group of the log-workers.");
    public static final Setting<String> METRICS_GROUP = Setting.of("KILLKRILL_METRICS_GROUP",
            SettingType.matching(STREAM_KEY, STREAM_KEY_DOC), "metrics-workers",
            "Consumer group of the metrics-workers.");
    public static final Setting<LogFormat> LOG_FORMAT = Setting.of("KILLKRILL_LOG_FORMAT",
            SettingType.of("plain or json (lower case)", CommonSettings::logFormat), "plain",
            "Log output on stdout: plain text or JSON lines.");

    public static final Setting<java.time.Duration> SHUTDOWN_GRACE = Setting.of("KILLKRILL_SHUTDOWN_GRACE",
            SettingType.duration(java.time.Duration.ZERO, java.time.Duration.ofMinutes(10)), "10s",
            "On SIGTERM, how long the service may take to finish what it holds before it is released: the receivers"
                    + " read syslog TCP/TLS connections until their client closes and answer RELP sessions; the"
                    + " workers finish and acknowledge the batch in flight (after the grace it is abandoned"
                    + " unacknowledged and another worker claims it). Keep it below the supervisor's kill timeout.");
    public static final Setting<java.time.Duration> STARTUP_TIMEOUT = Setting.of("KILLKRILL_STARTUP_TIMEOUT",
            SettingType.duration(java.time.Duration.ofSeconds(1), java.time.Duration.ofDays(1)), "5m",
            "How long a started service may stay not ready (a store it needs unreachable) before it gives up and"
                    + " exits with status 1 naming the failing check. Once ready, an outage never stops a service.");

    /** The common settings, in documentation order. */
    public static final List<Setting<?>> ALL = List.of(REDIS_URL, REDIS_SENTINELS,
            REDIS_MASTER_NAME, REDIS_CLUSTER_NODES, STREAM_SHARDS, REDIS_MIN_REPLICA_ACKS, REDIS_REPLICA_ACK_TIMEOUT, LOGS_STREAM, METRICS_STREAM, LOGS_DLQ,
            METRICS_DLQ, LOG_GROUP, METRICS_GROUP, LOG_FORMAT, SHUTDOWN_GRACE, STARTUP_TIMEOUT);

    public enum LogFormat { PLAIN, JSON }

    /** Exactly {@code plain} or {@code json}: the value also names the logback appender. */
    private static LogFormat logFormat(String text) {
        return switch (text) {
            case "plain" -> LogFormat.PLAIN;
            case "json" -> LogFormat.JSON;
            default -> throw new IllegalArgumentException("is not plain or json");
        };
    }

    private CommonSettings() {
    }

    /**
     * The Redis of a valid {@code config}: the cluster of {@link #REDIS_CLUSTER_NODES} when set, the Sentinel-managed
     * master when {@link #REDIS_SENTINELS} is set, else {@link #REDIS_URL} (or its default). {@link ConfigDef#parse} refused the other combinations.
     */
    public static RedisEndpoint redisEndpoint(Config config) {
        List<String> problems = redisEndpointProblems(config);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        Optional<List<RedisEndpoint.Address>> sentinels = config.optional(REDIS_SENTINELS);
        Optional<List<RedisEndpoint.Address>> cluster = config.optional(REDIS_CLUSTER_NODES);
        if (cluster.isPresent()) {
            return new RedisEndpoint.Cluster(cluster.get());
        }
        if (sentinels.isPresent()) {
            return new RedisEndpoint.Sentinel(sentinels.get(), config.optional(REDIS_MASTER_NAME).orElseThrow());
        }
        return new RedisEndpoint.Standalone(config.get(REDIS_URL));
    }

    /**
     * Exactly one way to Redis: {@link #REDIS_URL}, or {@link #REDIS_SENTINELS} with {@link #REDIS_MASTER_NAME}. One
     * problem line per wrong combination, each naming the variables; none for a definition without these settings.
     */
    static List<String> redisEndpointProblems(Config config) {
        if (!config.declares(REDIS_URL) || !config.declares(REDIS_SENTINELS) || !config.declares(REDIS_MASTER_NAME)
                || !config.declares(REDIS_CLUSTER_NODES)) {
            return List.of();
        }
        boolean sentinels = config.optional(REDIS_SENTINELS).isPresent();
        boolean master = config.optional(REDIS_MASTER_NAME).isPresent();
        boolean cluster = config.optional(REDIS_CLUSTER_NODES).isPresent();
        List<String> problems = new java.util.ArrayList<>();
        if (cluster && config.isSet(REDIS_URL)) {
            problems.add(REDIS_CLUSTER_NODES.key() + " and " + REDIS_URL.key() + " are both set: expected exactly one"
                    + " of them (a Redis Cluster, or one Redis by URL)");
        }
        if (cluster && (sentinels || master)) {
            problems.add(REDIS_CLUSTER_NODES.key() + " is set with " + (sentinels ? REDIS_SENTINELS.key()
                    : REDIS_MASTER_NAME.key()) + ": expected a Redis Cluster or a Sentinel-managed Redis, not both");
        }
        if (cluster && config.declares(STREAM_SHARDS) && config.get(STREAM_SHARDS) == 1) {
            problems.add(REDIS_CLUSTER_NODES.key() + " is set with " + STREAM_SHARDS.key() + "=1: expected at least 2"
                    + " shards (a cluster spreads the streams over its masters by their shards' hash tags; take at"
                    + " least as many shards as masters)");
        }
        problems.addAll(shardedNameProblems(config));
        if (sentinels && config.isSet(REDIS_URL)) {
            problems.add(REDIS_SENTINELS.key() + " and " + REDIS_URL.key() + " are both set: expected exactly one of"
                    + " them (Sentinel-managed Redis, or one Redis by URL)");
        }
        if (sentinels && !master) {
            problems.add(REDIS_MASTER_NAME.key() + " is required with " + REDIS_SENTINELS.key()
                    + ": expected the master name the sentinels monitor");
        }
        if (master && !sentinels) {
            problems.add(REDIS_MASTER_NAME.key() + " is set without " + REDIS_SENTINELS.key()
                    + ": expected both (Sentinel) or neither (" + REDIS_URL.key() + ")");
        }
        return problems;
    }

    /** The replicas every write and read waits for: {@link #REDIS_MIN_REPLICA_ACKS} within its timeout. */
    public static ReplicaAcks replicaAcks(Config config) {
        return new ReplicaAcks(config.get(REDIS_MIN_REPLICA_ACKS), config.get(REDIS_REPLICA_ACK_TIMEOUT));
    }

    /** With more than one shard the names carry hash tags of their own: a name with braces would break them. */
    private static List<String> shardedNameProblems(Config config) {
        if (!config.declares(STREAM_SHARDS) || config.get(STREAM_SHARDS) == 1) {
            return List.of();
        }
        List<String> problems = new java.util.ArrayList<>();
        for (Setting<String> name : List.of(LOGS_STREAM, METRICS_STREAM, LOGS_DLQ, METRICS_DLQ)) {
            if (config.declares(name) && (config.get(name).contains("{") || config.get(name).contains("}"))) {
                problems.add(name.key() + "='" + config.get(name) + "' holds a brace: with " + STREAM_SHARDS.key()
                        + " above 1 the shards' hash tags are added to the name, expected a name without { and }");
            }
        }
        return problems;
    }

    public static StreamNames streamNames(Config config) {
        return new StreamNames(config.get(LOGS_STREAM), config.get(METRICS_STREAM), config.get(LOGS_DLQ),
                config.get(METRICS_DLQ), config.get(LOG_GROUP), config.get(METRICS_GROUP), config.get(STREAM_SHARDS));
    }
}
