package io.killkrill.it.pipeline;

import org.junit.jupiter.api.Test;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.util.SafeEncoder;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 12: no stream grows without bound. 100,000 logs and 100,000 samples through the running pipeline
 * (receivers, log-worker, metrics-worker processes; trim interval 1 s). Proof: every one indexed or stored
 * once (indexed = 100,000 with no duplicate message, stored count = 100,000, no dead letter, both groups
 * drained); then both streams are trimmed down to at most a few batches (XLEN, batch 500) and Redis
 * {@code used_memory} is back within 16 MiB of where it was before (it peaks tens of MiB higher meanwhile).
 */
class StreamBoundsIT extends PipelineScenario {
    private static final int COUNT = 100_000;

    @Test
    void bothStreamsAreTrimmedOnceDrainedAndRedisMemoryComesBack() throws Exception {
        String run = run("bounds");
        long before = usedMemory();
        long peak = before;
        for (int from = 0; from < COUNT; from += 2_000) {
            assertThat(postLogs(logLines(run, from, from + 2_000)).accepted()).isEqualTo(2_000);
            assertThat(postMetrics(metricLines(run, from, from + 2_000)).accepted()).isEqualTo(2_000);
            peak = Math.max(peak, usedMemory());
        }

        awaitLogs(run, COUNT, 0, Duration.ofSeconds(180));
        awaitSamples(run, COUNT, Duration.ofSeconds(120));
        await("both streams trimmed to what the groups still need").atMost(Duration.ofSeconds(30))
                .until(() -> jedis().xlen(streams.logs()) <= 1_500 && jedis().xlen(streams.metrics()) <= 1_500);

        assertThat(indexed(run)).isEqualTo(COUNT);
        assertThat(duplicateMessages(run)).isEmpty();
        assertThat(storedSamples(run)).isEqualTo(COUNT);
        assertThat(deadLettersOf(streams.logsDlq(), run)).isEmpty();
        assertThat(deadLettersOf(streams.metricsDlq(), run)).isEmpty();
        assertDrained();
        long after = usedMemory();
        System.out.printf("StreamBoundsIT: Redis used_memory before %d, peak seen %d, after %d bytes%n", before,
                peak, after);
        assertThat(after - before).as("used_memory back near where it started (peak seen %d)", peak)
                .isLessThan(16L << 20);
    }

    /**
     * Issue 12: events dated on 1,000 distinct days (500 from 1990 on, 500 from 2030 on) and one of today, through
     * the receivers. Proof: the indices created for this pipeline stay within the documented bound (one per
     * receipt day: 1, or 2 across midnight UTC), none is dead-lettered for lack of shards or otherwise, all 1,001
     * are indexed once, the event of today among them.
     */
    @Test
    void eventsDatedOnAThousandDaysMakeNoMoreIndicesThanReceiptDays() throws Exception {
        String run = run("days");
        java.util.List<String> lines = new java.util.ArrayList<>();
        java.time.LocalDate past = java.time.LocalDate.of(1990, 1, 1);
        java.time.LocalDate future = java.time.LocalDate.of(2030, 1, 1);
        for (int i = 0; i < 1_000; i++) {
            java.time.LocalDate day = i < 500 ? past.plusDays(i) : future.plusDays(i - 500);
            lines.add("{\"message\":\"" + run + "-" + i + "\",\"service\":\"" + run + "\",\"timestamp\":\""
                    + day + "T12:00:00Z\"}");
        }
        lines.add("{\"message\":\"" + run + "-today\",\"service\":\"" + run + "\"}");
        assertThat(postLogs(lines).accepted()).isEqualTo(1_001);

        awaitLogs(run, 1_001, 0, Duration.ofSeconds(60));
        var indices = elasticsearch.client().indices().get(g -> g.index(pipeline.indexPrefix() + "-*")
                .allowNoIndices(true)).result().keySet();
        assertThat(indices).as("one index per receipt day").hasSizeBetween(1, 2);
        assertThat(indexed(run)).isEqualTo(1_001);
        assertThat(duplicateMessages(run)).isEmpty();
        assertThat(indexedMessages(run)).contains(run + "-today", run + "-0", run + "-999");
        assertThat(deadLettersOf(streams.logsDlq(), run)).isEmpty();
    }

    private long usedMemory() {
        String info = SafeEncoder.encode((byte[]) jedis().sendCommand(Protocol.Command.INFO, "memory"));
        return info.lines().filter(l -> l.startsWith("used_memory:"))
                .mapToLong(l -> Long.parseLong(l.substring("used_memory:".length()).trim())).findFirst()
                .orElseThrow();
    }
}
