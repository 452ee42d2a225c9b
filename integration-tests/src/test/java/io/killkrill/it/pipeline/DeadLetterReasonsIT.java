package io.killkrill.it.pipeline;

import io.killkrill.it.support.DeadLetterToolProcess;
import io.killkrill.it.support.PipelineProcesses;
import io.killkrill.it.support.ServiceProcess;
import io.killkrill.model.DeadLetter;
import io.killkrill.model.DeadLetterCodec;
import io.killkrill.model.DeadLetterReason;
import io.killkrill.model.EntryDecoding;
import io.killkrill.model.EventIds;
import io.killkrill.model.IngestContext;
import io.killkrill.model.Json;
import io.killkrill.model.LogEvent;
import io.killkrill.model.LogEventCodec;
import io.killkrill.model.MetricSampleCodec;
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
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Scenario 6, the dead-letter contract: every reason the code can produce ({@link DeadLetterReason#values()})
 * is produced here through the real services (receivers, log-worker and metrics-worker processes, real Redis,
 * Elasticsearch and PostgreSQL), and the set of reasons found in the two dead-letter streams equals the enum.
 * {@code contracts.ContractDocTest} checks each is documented; this checks each is real. Then every letter is
 * replayed with the dead-letter tool, or refused by it, end to end (issue 14, item 6).
 */
class DeadLetterReasonsIT extends PipelineScenario {
    /** What {@code dlq replay --all} does with a reason's letters here, once every cause that can go is removed. */
    private enum AfterReplay { STORED_ONCE, REFUSED }

    /**
     * The replay expectation of every reason; a reason added without one fails the test. Refused: raw input the
     * receivers kept (syslog_parse_error, message_too_large, and their invalid_event), and entries the workers'
     * codecs refuse (unsupported_schema_version, invalid_json, the metrics-worker's invalid_event, and the
     * max_deliveries_exceeded poison: another producer's 48 MB entry without event_id, received_at or source,
     * whose cause cannot be removed; the contract refuses it, so it never gets to kill a worker again). Stored
     * once: every letter whose cause the test removes.
     */
    private static final Map<DeadLetterReason, AfterReplay> AFTER_REPLAY = new EnumMap<>(Map.ofEntries(
            Map.entry(DeadLetterReason.UNSUPPORTED_SCHEMA_VERSION, AfterReplay.REFUSED),
            Map.entry(DeadLetterReason.INVALID_JSON, AfterReplay.REFUSED),
            Map.entry(DeadLetterReason.INVALID_EVENT, AfterReplay.REFUSED),
            Map.entry(DeadLetterReason.SYSLOG_PARSE_ERROR, AfterReplay.REFUSED),
            Map.entry(DeadLetterReason.MESSAGE_TOO_LARGE, AfterReplay.REFUSED),
            Map.entry(DeadLetterReason.INDEX_REJECTED, AfterReplay.STORED_ONCE),
            Map.entry(DeadLetterReason.MAX_RETRIES_EXCEEDED, AfterReplay.STORED_ONCE),
            Map.entry(DeadLetterReason.MAX_DELIVERIES_EXCEEDED, AfterReplay.REFUSED),
            Map.entry(DeadLetterReason.PERSIST_REJECTED, AfterReplay.STORED_ONCE),
            Map.entry(DeadLetterReason.TOO_LATE, AfterReplay.STORED_ONCE),
            Map.entry(DeadLetterReason.CARDINALITY_LIMIT, AfterReplay.STORED_ONCE)));
    private static final Pattern SUMMARY = Pattern.compile(
            "(\\d+) dead letter\\(s\\) replayed, (\\d+) refused(?: \\(([^)]*)\\))?, (\\d+) not found; (\\S+) -> (\\S+)");

    @Override
    protected void startServices() {
        receivers = pipeline.receivers(Map.of("KILLKRILL_SYSLOG_MAX_MESSAGE_BYTES", "1KiB"));
        logWorkers.add(pipeline.logWorker("lw-1", Map.of("KILLKRILL_ELASTICSEARCH_RETRY_DEADLINE", "1s")));
        // a small heap that dies on an entry far larger than itself: the poison that kills its worker every time
        metricsWorkers.add(pipeline.metricsWorker("mw-1", Map.of("KILLKRILL_METRICS_WORKER_MAX_SERIES_PER_METRIC", "2"))
                .withJvmOptions("-Xmx80m"));
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
    void everyDeadLetterReasonIsProducedEndToEndThenReplayedOrRefused() throws Exception {
        assertThat(AFTER_REPLAY.keySet()).as("a replay expectation for every DeadLetterReason")
                .isEqualTo(EnumSet.allOf(DeadLetterReason.class));
        String run = run("reasons");
        var indices = elasticsearch.client().indices();
        List<String> conflicting = receiptDayIndices();
        for (String index : conflicting) {
            indices.create(c -> c.index(index).withJson(new StringReader("{\"settings\":{\"number_of_replicas\":0},"
                    + "\"mappings\":{\"properties\":{\"host\":{\"type\":\"long\"}}}}")));
        }
        String blockedIndex = pipeline.indexPrefix() + "-2026.03.05";
        indices.create(c -> c.index(blockedIndex).withJson(new StringReader(
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
                .atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofMillis(200))
                .until(() -> restartDead(List.of(metricsWorker())) && reasonsSeen().size() == DeadLetterReason.values().length
                        && logsDrained() && metricsDrained());
        assertThat(metricsWorker().output()).as("the poison killed its worker").contains("OutOfMemoryError");

        assertThat(reasonsSeen()).isEqualTo(EnumSet.allOf(DeadLetterReason.class));
        List<DeadLetter> logLetters = deadLetters(streams.logsDlq());
        List<DeadLetter> metricLetters = deadLetters(streams.metricsDlq());
        Map<DeadLetterReason, Long> logs = countByReason(logLetters);
        Map<DeadLetterReason, Long> metrics = countByReason(metricLetters);
        assertThat(logs).containsExactlyInAnyOrderEntriesOf(Map.of(DeadLetterReason.SYSLOG_PARSE_ERROR, 1L,
                DeadLetterReason.MESSAGE_TOO_LARGE, 1L, DeadLetterReason.INVALID_EVENT, 1L,
                DeadLetterReason.UNSUPPORTED_SCHEMA_VERSION, 1L, DeadLetterReason.INVALID_JSON, 1L,
                DeadLetterReason.INDEX_REJECTED, 1L, DeadLetterReason.MAX_RETRIES_EXCEEDED, 1L));
        assertThat(metrics).containsExactlyInAnyOrderEntriesOf(Map.of(DeadLetterReason.TOO_LATE, 1L,
                DeadLetterReason.CARDINALITY_LIMIT, 1L, DeadLetterReason.INVALID_EVENT, 1L,
                DeadLetterReason.PERSIST_REJECTED, 1L, DeadLetterReason.MAX_DELIVERIES_EXCEEDED, 1L));
        DeadLetter exceeded = metricLetters.stream()
                .filter(l -> l.reason() == DeadLetterReason.MAX_DELIVERIES_EXCEEDED).findFirst().orElseThrow();
        assertThat(exceeded.entryId()).contains(poison);
        assertThat(exceeded.attempts()).isEqualTo(5);
        assertThat(exceeded.original().get(StreamEntry.DATA)).hasSizeGreaterThan(48 << 20);
        assertThat(stages(metricLetters)).containsEntry(DeadLetterReason.PERSIST_REJECTED,
                Stage.PERSIST);
        Map<DeadLetterReason, Stage> logStages = stages(logLetters);
        assertThat(logStages).containsEntry(DeadLetterReason.SYSLOG_PARSE_ERROR, Stage.DECODE)
                .containsEntry(DeadLetterReason.INDEX_REJECTED, Stage.BULK_INDEX)
                .containsEntry(DeadLetterReason.MAX_RETRIES_EXCEEDED, Stage.BULK_INDEX)
                .containsEntry(DeadLetterReason.INVALID_JSON, Stage.VALIDATE);
        DeadLetter blocked = logLetters.stream()
                .filter(l -> l.reason() == DeadLetterReason.MAX_RETRIES_EXCEEDED).findFirst().orElseThrow();
        assertThat(blocked.attempts()).as("retried until the deadline").isGreaterThanOrEqualTo(2);
        assertThat(blocked.details()).containsEntry("status", "429")
                .containsEntry("error_type", "cluster_block_exception");
        assertThat(stages(metricLetters)).containsEntry(DeadLetterReason.TOO_LATE, Stage.AGGREGATE)
                .containsEntry(DeadLetterReason.CARDINALITY_LIMIT, Stage.AGGREGATE);
        assertThat(indexed(run)).as("nothing of the run indexed: all its events were dead-lettered").isZero();

        replayEveryLetterOnceItsCauseIsRemoved(run, conflicting, blockedIndex);
    }

    /** A dead letter as found before the replay: its dead-letter stream ({@code logs}, {@code metrics}), ID, fields. */
    private record Letter(String kind, String id, Map<String, String> fields, DeadLetter letter) {
        AfterReplay expected() {
            return AFTER_REPLAY.get(letter.reason());
        }

        String eventId() {
            return letter.original().get(StreamEntry.EVENT_ID);
        }
    }

    /**
     * Phase two: the causes an operator can remove are removed (the pre-created index with {@code host: long}
     * deleted, the index block lifted, the CHECK constraint dropped, the metrics-worker restarted with
     * KILLKRILL_METRICS_WORKER_MAX_LATENESS=3h and KILLKRILL_METRICS_WORKER_MAX_SERIES_PER_METRIC=3), then {@code replay --all} and
     * {@code replay --all --stream metrics} run from the log-worker jar with the workers' own settings.
     *
     * <p>Proof, for every reason of {@link DeadLetterReason#values()} by its {@link #AFTER_REPLAY} expectation:
     * a refused letter has its own output line naming the reason and the codec's own message (raw input: why
     * there is no parser) and is still in its dead-letter stream, untouched; a replayed one is gone from it and
     * its entry is on the stream again with exactly the original fields (event ID included), once. Counts: the
     * tool's summary says replayed + refused = the letters before, by reason; after both groups drained, the
     * documents indexed for the run are exactly the replayed log letters' event IDs (as {@code _id}, each once),
     * each replayed metric letter added exactly one sample to its metric, and the dead-letter streams hold
     * exactly the refused letters, so indexed + stored + dead-lettered again (0) = replayed.
     */
    private void replayEveryLetterOnceItsCauseIsRemoved(String run, List<String> conflicting, String blockedIndex)
            throws Exception {
        List<Letter> before = new ArrayList<>(letters("logs"));
        before.addAll(letters("metrics"));
        Map<String, String> tails = Map.of("logs", lastId(streams.logs()), "metrics", lastId(streams.metrics()));
        // a group that never reads: the retention trimmer keeps what it has not read, so the replayed entries
        // can be checked after the workers acknowledged them
        tails.forEach((kind, tail) -> jedis().xgroupCreate(stream(kind), "replay-audit", new StreamEntryID(tail), false));

        metricsWorker().stop();
        ServiceProcess relaxed = pipeline.metricsWorker("mw-2", Map.of(
                "KILLKRILL_METRICS_WORKER_MAX_LATENESS", "3h",
                "KILLKRILL_METRICS_WORKER_MAX_SERIES_PER_METRIC", "3")).start();
        var indices = elasticsearch.client().indices();
        indices.delete(d -> d.index(conflicting));
        indices.putSettings(p -> p.index(blockedIndex).withJson(new StringReader(
                "{\"index.blocks.read_only_allow_delete\":null}")));
        try (var c = postgres.connect(); var statement = c.createStatement()) {
            statement.execute("ALTER TABLE " + pipeline.schema() + ".window_aggregate DROP CONSTRAINT refuse_" + run);
        }
        Map<String, Long> samplesExpected = new HashMap<>();
        for (Letter letter : before) {
            if (letter.kind().equals("metrics") && letter.expected() == AfterReplay.STORED_ONCE) {
                String name = Json.MAPPER.readTree(letter.letter().original().get(StreamEntry.DATA)).get("name").asText();
                samplesExpected.merge(name, 1L, Long::sum);
            }
        }
        for (String name : Set.copyOf(samplesExpected.keySet())) {
            samplesExpected.merge(name, storedSamples(name), Long::sum);
        }

        DeadLetterToolProcess.Running logsReplay = DeadLetterToolProcess.start(logWorkers.get(0).environment(),
                "replay", "--all");
        DeadLetterToolProcess.Running metricsReplay = DeadLetterToolProcess.start(relaxed.environment(),
                "replay", "--all", "--stream", "metrics");
        Map<String, DeadLetterToolProcess.Result> replays = Map.of("logs", logsReplay.finish(),
                "metrics", metricsReplay.finish());
        relaxed.awaitReady();

        for (DeadLetterReason reason : DeadLetterReason.values()) {
            List<Letter> ofReason = before.stream().filter(l -> l.letter().reason() == reason).toList();
            assertThat(ofReason).as("letters of %s", reason).isNotEmpty();
            for (Letter letter : ofReason) {
                String output = replays.get(letter.kind()).output();
                List<String> lines = output.lines().filter(l -> l.startsWith(letter.id() + " ")).toList();
                var still = jedis().xrange(dlq(letter.kind()), letter.id(), letter.id());
                if (letter.expected() == AfterReplay.REFUSED) {
                    assertThat(lines).as("%s letter %s; output:%n%s", reason, letter.id(), output).singleElement()
                            .asString().startsWith(letter.id() + " refused: reason " + reason.code() + " (stage "
                                    + letter.letter().stage().wireName() + "): ").contains(refusalOf(letter));
                    assertThat(still).as("the refused %s letter stays", reason).singleElement()
                            .satisfies(e -> assertThat(e.getFields()).isEqualTo(letter.fields()));
                } else {
                    assertThat(lines).as("%s letter %s; output:%n%s", reason, letter.id(), output).singleElement()
                            .asString().startsWith(letter.id() + " replayed onto " + stream(letter.kind()) + " as ");
                    assertThat(still).as("the replayed %s letter is deleted", reason).isEmpty();
                }
            }
        }
        for (String kind : List.of("logs", "metrics")) {
            DeadLetterToolProcess.Result replay = replays.get(kind);
            List<Letter> mine = before.stream().filter(l -> l.kind().equals(kind)).toList();
            Matcher summary = SUMMARY.matcher(replay.output());
            assertThat(summary.find()).as("summary of the %s replay:%n%s", kind, replay.output()).isTrue();
            int replayed = Integer.parseInt(summary.group(1));
            int refused = Integer.parseInt(summary.group(2));
            assertThat(replayed + refused).as("%s: replayed + refused = letters before", kind).isEqualTo(mine.size());
            assertThat(replayed).isEqualTo(mine.stream().filter(l -> l.expected() == AfterReplay.STORED_ONCE).count());
            assertThat(summary.group(3)).as("%s: refused by reason", kind).isEqualTo(mine.stream()
                    .filter(l -> l.expected() == AfterReplay.REFUSED)
                    .collect(Collectors.groupingBy(l -> l.letter().reason().code(), TreeMap::new, Collectors.counting()))
                    .entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")));
            assertThat(summary.group(4)).as("%s: not found", kind).isEqualTo("0");
            assertThat(summary.group(5) + " -> " + summary.group(6)).isEqualTo(dlq(kind) + " -> " + stream(kind));
            assertThat(replay.exitStatus()).as("exit 1: letters were refused").isEqualTo(1);
        }

        List<Letter> replayedLogs = before.stream()
                .filter(l -> l.kind().equals("logs") && l.expected() == AfterReplay.STORED_ONCE).toList();
        await("the " + replayedLogs.size() + " replayed log letters indexed, the replayed samples stored "
                + samplesExpected + ", both groups drained").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> indexed(run) >= replayedLogs.size() && allStored(samplesExpected) && logsDrained()
                        && metricsDrained());

        for (String kind : List.of("logs", "metrics")) {
            List<Letter> replayed = before.stream()
                    .filter(l -> l.kind().equals(kind) && l.expected() == AfterReplay.STORED_ONCE).toList();
            assertThat(jedis().xrange(stream(kind), "(" + tails.get(kind), "+").stream().map(e -> e.getFields()))
                    .as("%s: each replayed letter's entry on the stream once, its fields (event ID included) the"
                            + " original's", kind)
                    .containsExactlyInAnyOrderElementsOf(replayed.stream().map(l -> l.letter().original()).toList());
            assertThat(jedis().xrange(dlq(kind), "-", "+").stream().collect(Collectors.toMap(e -> e.getID().toString(),
                    e -> e.getFields()))).as("%s: nothing dead-lettered again, the refused letters still there", kind)
                    .isEqualTo(before.stream().filter(l -> l.kind().equals(kind) && l.expected() == AfterReplay.REFUSED)
                            .collect(Collectors.toMap(Letter::id, Letter::fields)));
        }
        assertThat(documents(run).stream().map(hit -> hit.id()).toList())
                .as("indexed once each, under the original event IDs").doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(replayedLogs.stream().map(Letter::eventId).toList());
        for (Map.Entry<String, Long> expected : samplesExpected.entrySet()) {
            assertThat(storedSamples(expected.getKey())).as("samples of %s: one more per replayed letter",
                    expected.getKey()).isEqualTo(expected.getValue());
        }
    }

    private boolean allStored(Map<String, Long> samplesExpected) throws java.sql.SQLException {
        for (Map.Entry<String, Long> expected : samplesExpected.entrySet()) {
            if (storedSamples(expected.getKey()) < expected.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** What the tool's refusal of {@code letter} must say: why raw input has no way back, or the codec's words. */
    private static String refusalOf(Letter letter) {
        if (letter.letter().stream().isEmpty()) {
            return "raw input that never became a stream entry (raw_base64)";
        }
        EntryDecoding<?> decoding = letter.kind().equals("logs") ? LogEventCodec.fromEntry(letter.letter().original())
                : MetricSampleCodec.fromEntry(letter.letter().original());
        assertThat(decoding).as("a refused entry letter: its codec refuses it").isInstanceOf(EntryDecoding.Undecodable.class);
        EntryDecoding.Undecodable<?> undecodable = (EntryDecoding.Undecodable<?>) decoding;
        return "contract refuses the entry (" + undecodable.reason().code() + ": " + undecodable.message() + ")";
    }

    private List<Letter> letters(String kind) {
        return jedis().xrange(dlq(kind), "-", "+").stream().map(e -> new Letter(kind, e.getID().toString(),
                e.getFields(), DeadLetterCodec.fromEntry(e.getFields()))).toList();
    }

    private String dlq(String kind) {
        return kind.equals("logs") ? streams.logsDlq() : streams.metricsDlq();
    }

    private String stream(String kind) {
        return kind.equals("logs") ? streams.logs() : streams.metrics();
    }

    private String lastId(String stream) {
        return jedis().xinfoStream(stream).getLastGeneratedId().toString();
    }

    /** The reasons in both dead-letter streams, from their {@code reason} field: polled, so the 48 MB letter is not parsed. */
    private Set<DeadLetterReason> reasonsSeen() {
        Set<DeadLetterReason> seen = EnumSet.noneOf(DeadLetterReason.class);
        for (String dlq : List.of(streams.logsDlq(), streams.metricsDlq())) {
            jedis().xrange(dlq, "-", "+").forEach(e -> seen.add(DeadLetterReason.parse(
                    e.getFields().get(DeadLetterCodec.REASON)).orElseThrow()));
        }
        return seen;
    }

    private static Map<DeadLetterReason, Long> countByReason(List<DeadLetter> letters) {
        return letters.stream().collect(Collectors.groupingBy(DeadLetter::reason, Collectors.counting()));
    }

    private static Map<DeadLetterReason, Stage> stages(List<DeadLetter> letters) {
        return letters.stream().collect(Collectors.toMap(DeadLetter::reason, DeadLetter::stage, (a, b) -> a));
    }
}
