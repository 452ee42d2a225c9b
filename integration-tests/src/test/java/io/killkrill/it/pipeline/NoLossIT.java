package io.killkrill.it.pipeline;

import io.killkrill.model.DeadLetter;
import io.killkrill.model.DeadLetterReason;
import io.killkrill.model.Stage;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scenario 2, volume without loss through the whole pipeline (receivers, log-worker and metrics-worker
 * processes, real Redis, Elasticsearch and PostgreSQL).
 */
class NoLossIT extends PipelineScenario {

    /**
     * 1000 log events in 10 HTTP requests. Proof: 1000 accepted; the indexed messages are exactly the 1000
     * sent (set equality on a 1000-document read), 1000 documents so none twice, no dead letter, log group
     * drained (XPENDING 0, last-delivered = last entry).
     */
    @Test
    void thousandLogEventsAreAllIndexedOnce() throws Exception {
        String run = run("logs1000");
        long accepted = 0;
        for (int from = 0; from < 1000; from += 100) {
            Answer answer = postLogs(logLines(run, from, from + 100));
            assertThat(answer.status()).as(answer.body().toString()).isEqualTo(202);
            accepted += answer.accepted();
        }
        assertThat(accepted).isEqualTo(1000);

        awaitLogs(run, 1000, 0, Duration.ofSeconds(90));

        assertThat(indexed(run)).isEqualTo(1000);
        Set<String> expected = new HashSet<>();
        IntStream.range(0, 1000).forEach(i -> expected.add(run + "-" + i));
        assertThat(indexedMessages(run)).isEqualTo(expected);
        assertThat(duplicateMessages(run)).isEmpty();
        assertThat(deadLettersOf(streams.logsDlq(), run)).isEmpty();
        assertThat(logsDrained()).isTrue();
    }

    /**
     * 1000 metric samples (value 1, 10 series) in 10 HTTP requests. Proof: 1000 accepted; PostgreSQL holds
     * exactly 1000 samples (sum of the window rows' counts) with value sum 1000, so none lost and none counted
     * twice; no dead letter; metrics group drained.
     */
    @Test
    void thousandMetricSamplesAreAllStoredOnce() throws Exception {
        String run = run("metrics1000");
        long accepted = 0;
        for (int from = 0; from < 1000; from += 100) {
            Answer answer = postMetrics(metricLines(run, from, from + 100));
            assertThat(answer.status()).as(answer.body().toString()).isEqualTo(202);
            accepted += answer.accepted();
        }
        assertThat(accepted).isEqualTo(1000);

        awaitSamples(run, 1000, Duration.ofSeconds(90));

        assertThat(storedSamples(run)).isEqualTo(1000);
        assertThat(storedSum(run)).isEqualTo(1000.0);
        assertThat(deadLettersOf(streams.metricsDlq(), run)).isEmpty();
        assertThat(metricsDrained()).isTrue();
    }

    /**
     * 20,000 NDJSON lines in 20 requests: per ten lines, one broken JSON line and one event without service
     * (both rejected by the receivers, listed in the 202's errors), one event the receivers accept but
     * Elasticsearch refuses (the receipt day's index was created beforehand with {@code host} as {@code long}, the
     * event's host is a name: mapper_parsing_exception), and seven good events.
     * Proof: sent = accepted + rejected (20,000 = 16,000 + 4,000, from the answers); accepted = indexed +
     * dead-lettered (16,000 = 14,000 + 2,000, from Elasticsearch and the logs DLQ); every dead letter is
     * {@code index_rejected} at stage {@code bulk_index} for one of the conflicting events, each once; no
     * message indexed twice; log group drained.
     */
    @Test
    void twentyThousandMixedLinesReconcileSentAcceptedIndexedAndDeadLettered() throws Exception {
        String run = run("mixed");
        for (String index : receiptDayIndices()) {
            elasticsearch.client().indices().create(c -> c.index(index).withJson(new StringReader(
                    "{\"settings\":{\"number_of_replicas\":0},"
                            + "\"mappings\":{\"properties\":{\"host\":{\"type\":\"long\"}}}}")));
        }
        long accepted = 0;
        long rejected = 0;
        for (int request = 0; request < 20; request++) {
            List<String> lines = new ArrayList<>(1000);
            for (int k = 0; k < 1000; k++) {
                int i = request * 1000 + k;
                lines.add(switch (i % 10) {
                    case 3 -> "{\"message\":\"" + run + "-" + i + "\",\"service\":";
                    case 7 -> "{\"message\":\"" + run + "-" + i + "\"}";
                    case 5 -> "{\"message\":\"" + run + "-" + i + "\",\"service\":\"" + run + "\",\"host\":\"abc\","
                            + "\"timestamp\":\"2026-03-04T08:00:00Z\"}";
                    default -> "{\"message\":\"" + run + "-" + i + "\",\"service\":\"" + run + "\",\"host\":\"" + i
                            + "\"}";
                });
            }
            Answer answer = postLogs(lines);
            assertThat(answer.status()).as(answer.body().toString()).isEqualTo(202);
            assertThat(answer.body().path("errors").size()).isEqualTo(answer.rejected());
            accepted += answer.accepted();
            rejected += answer.rejected();
        }
        assertThat(accepted + rejected).as("sent = accepted + rejected").isEqualTo(20_000);
        assertThat(rejected).isEqualTo(4_000);

        awaitLogs(run, 14_000, 2_000, Duration.ofMinutes(3));

        long indexed = indexed(run);
        List<DeadLetter> letters = deadLettersOf(streams.logsDlq(), run);
        assertThat(indexed + letters.size()).as("accepted = indexed + dead-lettered").isEqualTo(accepted);
        assertThat(indexed).isEqualTo(14_000);
        assertThat(letters).hasSize(2_000).allSatisfy(letter -> {
            assertThat(letter.reason()).isEqualTo(DeadLetterReason.INDEX_REJECTED);
            assertThat(letter.stage()).isEqualTo(Stage.BULK_INDEX);
            assertThat(letter.details().get("error_type")).endsWith("parsing_exception");
        });
        assertThat(letters.stream().map(l -> l.original().get("event_id")).distinct()).hasSize(2_000);
        assertThat(duplicateMessages(run)).isEmpty();
        assertThat(logsDrained()).isTrue();
    }
}
