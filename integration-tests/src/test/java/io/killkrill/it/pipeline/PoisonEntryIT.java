package io.killkrill.it.pipeline;

import io.killkrill.it.support.PipelineProcesses;
import io.killkrill.it.support.ServiceProcess;
import io.killkrill.model.DeadLetter;
import io.killkrill.model.DeadLetterReason;
import io.killkrill.model.EventIds;
import io.killkrill.model.StreamEntry;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.StreamEntryID;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 12: a poison entry that kills the worker process on every delivery cannot stop the stream. Two
 * log-worker replicas at {@code -Xmx80m -XX:+ExitOnOutOfMemoryError} under default consumer names (a restarted
 * replica is a new consumer, as a restarted container is), restarted whenever they die, as systemd or compose
 * would; an entry of 48 MB (written by another producer, past the receivers' limits) among 2,000 good ones.
 * Proof: sent 2,001 = indexed 2,000 (the exact set, no duplicate) + 1 dead letter, {@code max_deliveries_exceeded}
 * for the poison's entry ID after exactly KILLKRILL_MAX_DELIVERIES (5) deliveries, its payload kept; the group
 * drained; and the workers did die of it.
 */
class PoisonEntryIT extends PipelineScenario {

    @Override
    protected void startServices() {
        receivers = pipeline.receivers(Map.of());
        for (int i = 0; i < 2; i++) {
            logWorkers.add(pipeline.logWorker("", Map.of("KILLKRILL_CLAIM_IDLE_MS", "1000")).withJvmOptions("-Xmx80m"));
        }
        PipelineProcesses.startAll(receivers, logWorkers.get(0), logWorkers.get(1));
    }

    @Test
    void anEntryThatKillsEveryWorkerIsDeadLetteredAtTheLimitAndTheStreamDrains() throws Exception {
        String run = run("poison");
        assertThat(postLogs(logLines(run, 0, 1_000)).accepted()).isEqualTo(1_000);
        String poison = jedis().xadd(streams.logs(), StreamEntryID.NEW_ENTRY, Map.of(StreamEntry.SCHEMA_VERSION, "1",
                StreamEntry.EVENT_ID, EventIds.next(), StreamEntry.DATA, "{\"service\":\"" + run + "\",\"message\":\""
                        + "p".repeat(48 << 20) + "\"}")).toString();
        assertThat(postLogs(logLines(run, 1_000, 2_000)).accepted()).isEqualTo(1_000);

        await("2,000 indexed, the poison dead-lettered, the group drained (dead workers restarted)")
                .atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(200))
                .until(() -> restartDead(logWorkers) && jedis().xlen(streams.logsDlq()) > 0
                        && indexed(run) == 2_000 && logsDrained());

        assertThat(indexed(run)).isEqualTo(2_000);
        assertThat(duplicateMessages(run)).isEmpty();
        List<DeadLetter> letters = deadLetters(streams.logsDlq());
        assertThat(letters).singleElement().satisfies(letter -> {
            assertThat(letter.reason()).isEqualTo(DeadLetterReason.MAX_DELIVERIES_EXCEEDED);
            assertThat(letter.entryId()).contains(poison);
            assertThat(letter.attempts()).isEqualTo(5);
            assertThat(letter.original().get(StreamEntry.DATA)).hasSizeGreaterThan(48 << 20);
        });
        assertThat(logWorkers.stream().map(ServiceProcess::output).filter(o -> o.contains("OutOfMemoryError")))
                .as("the poison killed its workers").isNotEmpty();
    }
}
