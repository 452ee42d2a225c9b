package io.killkrill.it.pipeline;

import io.killkrill.it.support.PipelineProcesses;
import io.killkrill.model.DeadLetter;
import io.killkrill.model.DeadLetterReason;
import io.killkrill.model.EventIds;
import io.killkrill.model.IngestContext;
import io.killkrill.model.Json;
import io.killkrill.model.LogEvent;
import io.killkrill.model.LogEventCodec;
import io.killkrill.model.Source;
import io.killkrill.model.Validated;
import io.killkrill.model.Stage;
import io.killkrill.model.StreamEntry;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.StreamEntryID;

import java.io.StringReader;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Scenario 6, the dead-letter contract: every reason the code can produce ({@link DeadLetterReason#values()})
 * is produced here through the real services (receivers, log-worker and metrics-worker processes, real Redis,
 * Elasticsearch and PostgreSQL), and the set of reasons found in the two dead-letter streams equals the enum.
 * {@code contracts.ContractDocTest} checks each is documented; this checks each is real.
 */
class DeadLetterReasonsIT extends PipelineScenario {

    @Override
    protected void startServices() {
        receivers = pipeline.receivers(Map.of("KILLKRILL_SYSLOG_MAX_MESSAGE_BYTES", "1KiB"));
        logWorkers.add(pipeline.logWorker("lw-1", Map.of("KILLKRILL_ELASTICSEARCH_RETRY_DEADLINE", "1s")));
        // a small heap that dies on an entry far larger than itself: the poison that kills its worker every time
        metricsWorkers.add(pipeline.metricsWorker("mw-1", Map.of("KILLKRILL_METRICS_WORKER_MAX_SERIES_PER_METRIC", "2",
                "JAVA_TOOL_OPTIONS", "-Xmx80m -XX:+ExitOnOutOfMemoryError")));
        PipelineProcesses.startAll(receivers, logWorkers.get(0), metricsWorkers.get(0));
    }

    /**
     * How each reason is provoked, and by which service:
     * <ul>
     *   <li>receivers: {@code syslog_parse_error} (a TCP line that is no syslog), {@code message_too_large}
     *   (a 2000-byte message, limit 1 KiB), {@code invalid_event} (an RFC 5424 message without MSG);</li>
     *   <li>log-worker: {@code unsupported_schema_version} and {@code invalid_json} (entries an other producer
     *   XADDed: schema_version 2, data not JSON), {@code index_rejected} (the receipt day's index
     *   pre-created with {@code host: long}, an event whose host is a name), {@code max_retries_exceeded} (an
     *   entry received on 2026-03-05, whose index has the read-only-allow-delete block: Elasticsearch answers
     *   the item 429 until KILLKRILL_ELASTICSEARCH_RETRY_DEADLINE=1s has passed);</li>
     *   <li>metrics-worker: {@code too_late} (a sample two hours old, lateness 1 h), {@code cardinality_limit}
     *   (a third label set, KILLKRILL_METRICS_WORKER_MAX_SERIES_PER_METRIC=2), {@code invalid_event} (an entry
     *   without name),
     *   {@code persist_rejected} (a sample PostgreSQL refuses: a CHECK constraint added to this test's schema),
     *   {@code max_deliveries_exceeded} (an entry of 48 MB XADDed by another producer: the worker, at -Xmx80m
     *   with ExitOnOutOfMemoryError, dies on every delivery and is restarted, as systemd or compose would, under
     *   a new consumer name; after KILLKRILL_MAX_DELIVERIES=5 deliveries the entry is dead-lettered without
     *   being loaded again).</li>
     * </ul>
     * Proof: the reasons in logs-dlq and metrics-dlq, as a set, equal {@code DeadLetterReason.values()}; each
     * provocation produced exactly one dead letter of its reason (invalid_event: two, one per stream) with the
     * expected stage; both groups drained, so every dead-lettered entry was acknowledged after its dead letter.
     */
    @Test
    void everyDeadLetterReasonIsProducedEndToEnd() throws Exception {
        String run = run("reasons");
        var indices = elasticsearch.client().indices();
        for (String index : receiptDayIndices()) {
            indices.create(c -> c.index(index).withJson(new StringReader("{\"settings\":{\"number_of_replicas\":0},"
                    + "\"mappings\":{\"properties\":{\"host\":{\"type\":\"long\"}}}}")));
        }
        indices.create(c -> c.index(pipeline.indexPrefix() + "-2026.03.05").withJson(new StringReader(
                "{\"settings\":{\"number_of_replicas\":0,\"index.blocks.read_only_allow_delete\":true}}")));

        // receivers
        syslogTcp(List.of("this is not syslog " + run, "<134>1 2026-01-15T10:00:00Z web-1 " + run + " - - -",
                rfc5424(run, "x".repeat(2000))));
        // log-worker: entries of another producer, and Elasticsearch refusing items
        jedis().xadd(streams.logs(), StreamEntryID.NEW_ENTRY, Map.of(StreamEntry.SCHEMA_VERSION, "2",
                StreamEntry.EVENT_ID, EventIds.next(), StreamEntry.DATA, "{\"service\":\"" + run + "\"}"));
        jedis().xadd(streams.logs(), StreamEntryID.NEW_ENTRY, Map.of(StreamEntry.SCHEMA_VERSION, "1",
                StreamEntry.EVENT_ID, EventIds.next(), StreamEntry.DATA, "not json " + run));
        assertThat(postLogs(List.of(
                "{\"message\":\"conflict\",\"service\":\"" + run + "\",\"host\":\"abc\",\"timestamp\":\"2026-03-04T08:00:00Z\"}"))
                .accepted()).isEqualTo(1);
        // received on 2026-03-05 (as a receiver would have written it that day): routed to the blocked index
        Instant then = Instant.parse("2026-03-05T08:00:00Z");
        long millis = then.toEpochMilli(); // the receiver makes the event ID when it receives the event
        String madeThen = String.format("%08x-%04x-7000-8000-%012x", millis >>> 16, millis & 0xffff,
                System.nanoTime() & 0xffffffffffffL);
        IngestContext receivedThen = new IngestContext(madeThen, then, Source.http("10.0.0.1:1"), Optional.empty());
        LogEvent blockedEvent = ((Validated.Valid<LogEvent>) LogEventCodec.fromInput(Json.MAPPER.readTree(
                "{\"message\":\"blocked\",\"service\":\"" + run + "\"}"), receivedThen)).value();
        jedis().xadd(streams.logs(), StreamEntryID.NEW_ENTRY, LogEventCodec.toEntry(blockedEvent));
        // metrics-worker
        long twoHoursAgo = Instant.now().minusSeconds(7200).getEpochSecond();
        assertThat(postMetrics(List.of(
                "{\"name\":\"" + run + "_late\",\"value\":1,\"timestamp\":" + twoHoursAgo + "}",
                "{\"name\":\"" + run + "_card\",\"value\":1,\"labels\":{\"k\":\"a\"}}",
                "{\"name\":\"" + run + "_card\",\"value\":1,\"labels\":{\"k\":\"b\"}}",
                "{\"name\":\"" + run + "_card\",\"value\":1,\"labels\":{\"k\":\"c\"}}")).accepted()).isEqualTo(4);
        jedis().xadd(streams.metrics(), StreamEntryID.NEW_ENTRY, Map.of(StreamEntry.SCHEMA_VERSION, "1",
                StreamEntry.EVENT_ID, EventIds.next(), StreamEntry.DATA, "{\"value\":1}"));
        try (var c = postgres.connect(); var statement = c.createStatement()) {
            statement.execute("ALTER TABLE " + pipeline.schema() + ".window_aggregate ADD CONSTRAINT refuse_" + run
                    + " CHECK (metric_name <> '" + run + "_refused')");
        }
        assertThat(postMetrics(List.of("{\"name\":\"" + run + "_refused\",\"value\":1}")).accepted()).isEqualTo(1);
        String poison = jedis().xadd(streams.metrics(), StreamEntryID.NEW_ENTRY, Map.of(
                StreamEntry.SCHEMA_VERSION, "1", StreamEntry.EVENT_ID, EventIds.next(),
                StreamEntry.DATA, "{\"name\":\"" + run + "_poison\",\"value\":1,\"pad\":\"" + "p".repeat(48 << 20)
                        + "\"}")).toString();

        await("a dead letter of every reason, both groups drained (the metrics-worker restarted whenever it died)")
                .atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofMillis(500))
                .until(() -> restartDead(List.of(metricsWorker())) && reasonsSeen().size() == DeadLetterReason.values().length
                        && logsDrained() && metricsDrained());
        assertThat(metricsWorker().output()).as("the poison killed its worker").contains("OutOfMemoryError");

        assertThat(reasonsSeen()).isEqualTo(EnumSet.allOf(DeadLetterReason.class));
        Map<DeadLetterReason, Long> logs = countByReason(deadLetters(streams.logsDlq()));
        Map<DeadLetterReason, Long> metrics = countByReason(deadLetters(streams.metricsDlq()));
        assertThat(logs).containsExactlyInAnyOrderEntriesOf(Map.of(DeadLetterReason.SYSLOG_PARSE_ERROR, 1L,
                DeadLetterReason.MESSAGE_TOO_LARGE, 1L, DeadLetterReason.INVALID_EVENT, 1L,
                DeadLetterReason.UNSUPPORTED_SCHEMA_VERSION, 1L, DeadLetterReason.INVALID_JSON, 1L,
                DeadLetterReason.INDEX_REJECTED, 1L, DeadLetterReason.MAX_RETRIES_EXCEEDED, 1L));
        assertThat(metrics).containsExactlyInAnyOrderEntriesOf(Map.of(DeadLetterReason.TOO_LATE, 1L,
                DeadLetterReason.CARDINALITY_LIMIT, 1L, DeadLetterReason.INVALID_EVENT, 1L,
                DeadLetterReason.PERSIST_REJECTED, 1L, DeadLetterReason.MAX_DELIVERIES_EXCEEDED, 1L));
        DeadLetter exceeded = deadLetters(streams.metricsDlq()).stream()
                .filter(l -> l.reason() == DeadLetterReason.MAX_DELIVERIES_EXCEEDED).findFirst().orElseThrow();
        assertThat(exceeded.entryId()).contains(poison);
        assertThat(exceeded.attempts()).isEqualTo(5);
        assertThat(exceeded.original().get(StreamEntry.DATA)).hasSizeGreaterThan(48 << 20);
        assertThat(stages(deadLetters(streams.metricsDlq()))).containsEntry(DeadLetterReason.PERSIST_REJECTED,
                Stage.PERSIST);
        Map<DeadLetterReason, Stage> logStages = stages(deadLetters(streams.logsDlq()));
        assertThat(logStages).containsEntry(DeadLetterReason.SYSLOG_PARSE_ERROR, Stage.DECODE)
                .containsEntry(DeadLetterReason.INDEX_REJECTED, Stage.BULK_INDEX)
                .containsEntry(DeadLetterReason.MAX_RETRIES_EXCEEDED, Stage.BULK_INDEX)
                .containsEntry(DeadLetterReason.INVALID_JSON, Stage.VALIDATE);
        DeadLetter blocked = deadLetters(streams.logsDlq()).stream()
                .filter(l -> l.reason() == DeadLetterReason.MAX_RETRIES_EXCEEDED).findFirst().orElseThrow();
        assertThat(blocked.attempts()).as("retried until the deadline").isGreaterThanOrEqualTo(2);
        assertThat(blocked.details()).containsEntry("status", "429")
                .containsEntry("error_type", "cluster_block_exception");
        assertThat(stages(deadLetters(streams.metricsDlq()))).containsEntry(DeadLetterReason.TOO_LATE, Stage.AGGREGATE)
                .containsEntry(DeadLetterReason.CARDINALITY_LIMIT, Stage.AGGREGATE);
        assertThat(indexed(run)).as("nothing of the run indexed: all its events were dead-lettered").isZero();
    }

    private Set<DeadLetterReason> reasonsSeen() {
        List<DeadLetter> all = new ArrayList<>(deadLetters(streams.logsDlq()));
        all.addAll(deadLetters(streams.metricsDlq()));
        return all.stream().map(DeadLetter::reason).collect(Collectors.toCollection(() -> EnumSet.noneOf(DeadLetterReason.class)));
    }

    private static Map<DeadLetterReason, Long> countByReason(List<DeadLetter> letters) {
        return letters.stream().collect(Collectors.groupingBy(DeadLetter::reason, Collectors.counting()));
    }

    private static Map<DeadLetterReason, Stage> stages(List<DeadLetter> letters) {
        return letters.stream().collect(Collectors.toMap(DeadLetter::reason, DeadLetter::stage, (a, b) -> a));
    }
}
