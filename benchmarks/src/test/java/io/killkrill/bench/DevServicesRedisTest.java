package io.killkrill.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

class DevServicesRedisTest {
    @Test
    void theEnvFileIsReadAsKeyValueLinesWhoseValuesMayHoldEquals() {
        assertThat(DevServicesRedis.parseEnv(List.of("KILLKRILL_TEST_REDIS_URL=redis://127.0.0.1:16379",
                "KILLKRILL_TEST_REDIS_CLUSTER_NODES=127.0.0.1:16390,127.0.0.1:16391", "", "# a comment",
                "KILLKRILL_X=a=b")))
                .containsExactly(
                        entry("KILLKRILL_TEST_REDIS_URL", "redis://127.0.0.1:16379"),
                        entry("KILLKRILL_TEST_REDIS_CLUSTER_NODES",
                                "127.0.0.1:16390,127.0.0.1:16391"),
                        entry("KILLKRILL_X", "a=b"));
    }

    @Test
    void aTopologyRunsWhenStatusPrintsItsLineAsRunning() {
        List<String> status = List.of(
                "redis          running  port=46379 pid=14846 url=redis://127.0.0.1:46379",
                "redis-cluster  running  nodes=127.0.0.1:46390,127.0.0.1:46391 pids=18182,18189",
                "redis-sentinel running (not ready)  sentinels=127.0.0.1:46480");

        assertThat(DevServicesRedis.topologyRunning(status, "cluster")).isTrue();
        assertThat(DevServicesRedis.topologyRunning(status, "sentinel")).as("not ready is not running").isFalse();
        assertThat(DevServicesRedis.topologyRunning(List.of(status.get(0)), "cluster")).isFalse();
    }
}
