package io.killkrill.config;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Exactly one way to Redis: a URL, Sentinels with a master name, or cluster nodes; every other combination refused
 * at parse. Sharded stream names must leave the braces to the shards' hash tags.
 */
class RedisEndpointSettingsTest {
    private static final ConfigDef DEFINITION = ConfigDef.of("test", CommonSettings.ALL);

    private static RedisEndpoint endpoint(Map<String, String> environment) {
        return CommonSettings.redisEndpoint(DEFINITION.parse(environment));
    }

    private static List<String> problems(Map<String, String> environment) {
        try {
            DEFINITION.parse(environment);
        } catch (ConfigException e) {
            return e.problems();
        }
        throw new AssertionError("accepted " + environment);
    }

    @Test
    void withoutEitherItIsTheDefaultUrl() {
        assertThat(endpoint(Map.of()))
                .isEqualTo(new RedisEndpoint.Standalone(URI.create("redis://localhost:6379")));
        assertThat(endpoint(Map.of("KILLKRILL_REDIS_URL", "redis://r:7000")))
                .isEqualTo(new RedisEndpoint.Standalone(URI.create("redis://r:7000")));
    }

    @Test
    void sentinelsWithAMasterNameAreTheSentinelEndpoint() {
        RedisEndpoint endpoint = endpoint(Map.of("KILLKRILL_REDIS_SENTINELS", " s1:26379, 10.0.0.2:26380 ,",
                "KILLKRILL_REDIS_MASTER_NAME", "killkrill"));

        assertThat(endpoint).isEqualTo(new RedisEndpoint.Sentinel(List.of(new RedisEndpoint.Address("s1", 26379),
                new RedisEndpoint.Address("10.0.0.2", 26380)), "killkrill"));
        assertThat(endpoint.describe()).isEqualTo("master 'killkrill' of the sentinels s1:26379,10.0.0.2:26380");
    }

    @Test
    void aUrlAndSentinelsTogetherAreRefusedNamingBoth() {
        assertThat(problems(Map.of("KILLKRILL_REDIS_URL", "redis://r:6379", "KILLKRILL_REDIS_SENTINELS", "s1:26379",
                "KILLKRILL_REDIS_MASTER_NAME", "m"))).singleElement().asString()
                .startsWith("KILLKRILL_REDIS_SENTINELS and KILLKRILL_REDIS_URL are both set").doesNotContain("\n");
    }

    @Test
    void sentinelsWithoutAMasterNameAndAMasterNameWithoutSentinelsAreRefused() {
        assertThat(problems(Map.of("KILLKRILL_REDIS_SENTINELS", "s1:26379"))).singleElement().asString()
                .startsWith("KILLKRILL_REDIS_MASTER_NAME is required with KILLKRILL_REDIS_SENTINELS");
        assertThat(problems(Map.of("KILLKRILL_REDIS_MASTER_NAME", "m"))).singleElement().asString()
                .startsWith("KILLKRILL_REDIS_MASTER_NAME is set without KILLKRILL_REDIS_SENTINELS");
    }

    @Test
    void aSentinelThatIsNoHostAndPortIsRefused() {
        for (String value : List.of("s1", "s1:0", "s1:70000", "s1:26379,:1", ",", "s1:port")) {
            assertThat(problems(Map.of("KILLKRILL_REDIS_SENTINELS", value, "KILLKRILL_REDIS_MASTER_NAME", "m")))
                    .as(value).singleElement().asString()
                    .startsWith("KILLKRILL_REDIS_SENTINELS='" + value + "'").endsWith("host:port");
        }
    }

    @Test
    void aDefinitionWithoutTheRedisSettingsHasNoEndpointRule() {
        ConfigDef own = ConfigDef.of("tool", List.of(CommonSettings.SHUTDOWN_GRACE));
        assertThat(own.parse(Map.of()).declares(CommonSettings.REDIS_URL)).isFalse();
        assertThatThrownBy(() -> CommonSettings.redisEndpoint(own.parse(Map.of())))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void clusterNodesAreTheClusterEndpoint() {
        RedisEndpoint endpoint = endpoint(Map.of("KILLKRILL_REDIS_CLUSTER_NODES", "n1:7000,n2:7001",
                "KILLKRILL_STREAM_SHARDS", "4"));

        assertThat(endpoint).isEqualTo(new RedisEndpoint.Cluster(List.of(new RedisEndpoint.Address("n1", 7000),
                new RedisEndpoint.Address("n2", 7001))));
        assertThat(endpoint.describe()).isEqualTo("Redis Cluster of the nodes n1:7000,n2:7001");
    }

    @Test
    void clusterNodesTogetherWithAUrlOrSentinelsAreRefusedNamingBoth() {
        assertThat(problems(Map.of("KILLKRILL_REDIS_CLUSTER_NODES", "n1:7000", "KILLKRILL_REDIS_URL", "redis://r:1",
                "KILLKRILL_STREAM_SHARDS", "3"))).singleElement().asString()
                .startsWith("KILLKRILL_REDIS_CLUSTER_NODES and KILLKRILL_REDIS_URL are both set");
        assertThat(problems(Map.of("KILLKRILL_REDIS_CLUSTER_NODES", "n1:7000", "KILLKRILL_REDIS_SENTINELS", "s1:1",
                "KILLKRILL_REDIS_MASTER_NAME", "m", "KILLKRILL_STREAM_SHARDS", "3"))).singleElement().asString()
                .startsWith("KILLKRILL_REDIS_CLUSTER_NODES is set with KILLKRILL_REDIS_SENTINELS");
        assertThat(problems(Map.of("KILLKRILL_REDIS_CLUSTER_NODES", "n1:7000"))).singleElement().asString()
                .startsWith("KILLKRILL_REDIS_CLUSTER_NODES is set with KILLKRILL_STREAM_SHARDS=1: expected at least 2");
    }

    @Test
    void shardedStreamsAreNamedWithAHashTagPerShardAndNamesWithBracesAreRefused() {
        StreamNames names = CommonSettings.streamNames(DEFINITION.parse(Map.of("KILLKRILL_STREAM_SHARDS", "4")));

        assertThat(names.shards()).isEqualTo(4);
        assertThat(names.allShards()).extracting(StreamNames::logs)
                .containsExactly("logs-stream{0}", "logs-stream{1}", "logs-stream{2}", "logs-stream{3}");
        assertThat(names.shard(2)).isEqualTo(new StreamNames("logs-stream{2}", "metrics-stream{2}", "logs-dlq{2}",
                "metrics-dlq{2}", "log-workers", "metrics-workers"));
        assertThat(StreamNames.defaults().allShards()).as("one shard: the names themselves")
                .containsExactly(StreamNames.defaults());
        assertThat(problems(Map.of("KILLKRILL_STREAM_SHARDS", "2", "KILLKRILL_LOGS_STREAM", "logs{a}")))
                .singleElement().asString().startsWith("KILLKRILL_LOGS_STREAM='logs{a}' holds a brace");
        assertThat(CommonSettings.streamNames(DEFINITION.parse(Map.of("KILLKRILL_LOGS_STREAM", "logs{a}"))).logs())
                .as("one shard: a tag of the user's own is kept").isEqualTo("logs{a}");
    }
}
