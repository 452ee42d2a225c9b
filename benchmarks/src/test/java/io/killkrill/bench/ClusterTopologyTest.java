package io.killkrill.bench;

import io.killkrill.config.CommonSettings;
import io.killkrill.config.Config;
import io.killkrill.config.ConfigDef;
import io.killkrill.config.RedisEndpoint;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

class ClusterTopologyTest {
    // CLUSTER NODES of dev-services' cluster after a failover: 46390 failed and rejoined as the replica of 46393
    private static final String NODES = """
            a1 127.0.0.1:46391@56391 master - 0 1700000000000 2 connected 5461-10922
            b2 127.0.0.1:46394@56394 slave a1 0 1700000000000 2 connected
            c3 127.0.0.1:46392@56392 myself,master - 0 1700000000000 3 connected 10923-16383
            d4 127.0.0.1:46395@56395 slave c3 0 1700000000000 3 connected
            e5 127.0.0.1:46393@56393 master - 0 1700000000000 7 connected 0-5460
            f6 127.0.0.1:46390@56390 slave e5 0 1700000000000 7 connected
            """;

    @Test
    void theNodesAreNamedByTheirRoleNowEachRolesByPort() {
        assertThat(ClusterTopology.servers(NODES)).containsExactly(
                entry("redis-master-1", 46391), entry("redis-master-2", 46392), entry("redis-master-3", 46393),
                entry("redis-replica-1", 46390), entry("redis-replica-2", 46394), entry("redis-replica-3", 46395));
    }

    @Test
    void theServicesSettingsAreAValidClusterConfigurationWithShardsOverTheMasters() {
        Map<String, String> env = new HashMap<>(ClusterTopology.settings(
                "127.0.0.1:46390,127.0.0.1:46391,127.0.0.1:46392,127.0.0.1:46393,127.0.0.1:46394,127.0.0.1:46395", 1));
        env.put("KILLKRILL_LOGS_STREAM", "kkbench:383a5a54:cluster1:logs-stream"); // as the phase names them
        Config config = ConfigDef.of("bench", CommonSettings.ALL).parse(env);

        assertThat(CommonSettings.redisEndpoint(config)).isInstanceOfSatisfying(RedisEndpoint.Cluster.class,
                cluster -> assertThat(cluster.nodes()).hasSize(6));
        assertThat(CommonSettings.streamNames(config).shards()).as("at least one shard per master").isEqualTo(4);
        assertThat(CommonSettings.replicaAcks(config).replicas()).isEqualTo(1);
    }
}
