package io.killkrill.it.pipeline;

import io.killkrill.model.EntryDecoding;
import io.killkrill.model.Level;
import io.killkrill.model.LogEvent;
import io.killkrill.model.LogEventCodec;
import io.killkrill.model.MetricSample;
import io.killkrill.model.MetricSampleCodec;
import io.killkrill.model.MetricType;
import io.killkrill.model.SourceKind;
import io.killkrill.model.StreamEntry;
import io.killkrill.model.SyslogMetadata;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scenario 6, the stream contract the Java way: every field a worker reads is written by the real receivers
 * process. Input goes through the receivers (HTTP and syslog TCP), the entry is read back with XRANGE (no
 * worker runs in this class, so nothing is consumed or trimmed) and decoded with the very codec the workers
 * use ({@code LogEventCodec.fromEntry} / {@code MetricSampleCodec.fromEntry}); every field of the input must
 * survive. The other contract checks live elsewhere: the Hibernate mapping against the migrated schema in
 * {@code metricsworker.MetricsWorkerSchemaContractIT}, the documented dead-letter reasons in
 * {@code contracts.ContractDocTest}, and every reason produced end to end in {@link DeadLetterReasonsIT}.
 */
class StreamContractIT extends PipelineScenario {

    @Override
    protected void startServices() {
        receivers = pipeline.receivers(Map.of());
        receivers.start().awaitReady();
    }

    /** An HTTP log event with every optional field decodes, from the stream entry, to exactly its input. */
    @Test
    void everyFieldOfAnHttpLogEventSurvivesTheStream() {
        String run = run("contract_http");
        Answer answer = post("/api/v1/logs", "application/json", "{\"message\":\"disk full " + run + "\","
                + "\"service\":\"" + run + "\",\"timestamp\":\"2026-11-25T13:14:15.123+02:00\",\"level\":\"WARNING\","
                + "\"host\":\"db-7\",\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"span_id\":\"00f067aa0ba902b7\","
                + "\"attributes\":{\"disk\":\"/dev/sda\",\"used_pct\":99.5,\"inodes\":12,\"ro\":true},\"unknown\":1}");
        assertThat(answer.status()).isEqualTo(202);

        Map<String, String> entry = entryMentioning(streams.logs(), run);
        assertThat(entry).containsEntry(StreamEntry.SCHEMA_VERSION, "1").containsKeys(StreamEntry.EVENT_ID,
                StreamEntry.DATA);
        LogEvent event = decodedLog(entry);

        assertThat(event.eventId()).isEqualTo(entry.get(StreamEntry.EVENT_ID));
        assertThat(event.message()).isEqualTo("disk full " + run);
        assertThat(event.service()).isEqualTo(run);
        assertThat(event.timestamp()).isEqualTo(OffsetDateTime.parse("2026-11-25T13:14:15.123+02:00"));
        assertThat(event.timestamp().getOffset().getTotalSeconds()).as("offset kept").isEqualTo(7200);
        assertThat(event.level()).isEqualTo(Level.WARN);
        assertThat(event.host()).contains("db-7");
        assertThat(event.traceId()).contains("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(event.spanId()).contains("00f067aa0ba902b7");
        assertThat(event.attributes()).containsOnlyKeys("disk", "used_pct", "inodes", "ro")
                .containsEntry("disk", "/dev/sda").containsEntry("ro", true);
        assertThat(((Number) event.attributes().get("used_pct")).doubleValue()).isEqualTo(99.5);
        assertThat(((Number) event.attributes().get("inodes")).longValue()).isEqualTo(12);
        assertThat(event.source().kind()).isEqualTo(SourceKind.HTTP);
        assertThat(event.source().peer()).hasValueSatisfying(peer -> assertThat(peer).startsWith("127.0.0.1:"));
        assertThat(event.receivedAt()).isBetween(Instant.now().minusSeconds(60), Instant.now());
        assertThat(event.syslog()).isEmpty();
    }

    /** An RFC 5424 message over TCP keeps PRI, header fields and structured data through the stream. */
    @Test
    void everyFieldOfASyslogMessageSurvivesTheStream() throws Exception {
        String run = run("contract_syslog");
        syslogTcp(List.of("<165>1 2026-11-25T13:14:15.123+02:00 db-7 " + run
                + " 42 ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\"] disk full " + run));

        Map<String, String> entry = entryMentioning(streams.logs(), run);
        LogEvent event = decodedLog(entry);

        assertThat(event.message()).isEqualTo("disk full " + run);
        assertThat(event.service()).isEqualTo(run);
        assertThat(event.host()).contains("db-7");
        assertThat(event.timestamp()).isEqualTo(OffsetDateTime.parse("2026-11-25T13:14:15.123+02:00"));
        assertThat(event.level()).isEqualTo(Level.NOTICE); // severity 5
        assertThat(event.attributes()).containsEntry("exampleSDID@32473.iut", "3")
                .containsEntry("exampleSDID@32473.eventSource", "Application");
        assertThat(event.source().kind()).isEqualTo(SourceKind.SYSLOG);
        assertThat(event.source().peer()).isPresent();
        SyslogMetadata syslog = event.syslog().orElseThrow();
        assertThat(syslog.format()).isEqualTo(SyslogMetadata.RFC5424);
        assertThat(syslog.facility()).isEqualTo(20); // 165 = 20 * 8 + 5
        assertThat(syslog.severity()).isEqualTo(5);
        assertThat(syslog.appName()).contains(run);
        assertThat(syslog.procId()).contains("42");
        assertThat(syslog.msgId()).contains("ID47");
    }

    /** A metric sample with every field decodes, from the stream entry, to exactly its input. */
    @Test
    void everyFieldOfAMetricSampleSurvivesTheStream() {
        String run = run("contract_metric");
        Answer answer = post("/api/v1/metrics", "application/json", "{\"name\":\"" + run + "\",\"value\":42.5,"
                + "\"labels\":{\"method\":\"GET\",\"status\":\"200\"},\"timestamp\":\"2025-11-25T12:00:00.250Z\","
                + "\"type\":\"COUNTER\"}");
        assertThat(answer.status()).isEqualTo(202);

        Map<String, String> entry = entryMentioning(streams.metrics(), run);
        assertThat(entry).containsEntry(StreamEntry.SCHEMA_VERSION, "1");
        EntryDecoding<MetricSample> decoding = MetricSampleCodec.fromEntry(entry);
        assertThat(decoding).isInstanceOf(EntryDecoding.Decoded.class);
        MetricSample sample = ((EntryDecoding.Decoded<MetricSample>) decoding).value();

        assertThat(sample.eventId()).isEqualTo(entry.get(StreamEntry.EVENT_ID));
        assertThat(sample.name()).isEqualTo(run);
        assertThat(sample.value()).isEqualTo(42.5);
        assertThat(sample.labels()).containsExactlyEntriesOf(new java.util.TreeMap<>(Map.of("method", "GET", "status", "200")));
        assertThat(sample.timestamp()).isEqualTo(Instant.parse("2025-11-25T12:00:00.250Z"));
        assertThat(sample.type()).isEqualTo(MetricType.COUNTER);
        assertThat(sample.source().kind()).isEqualTo(SourceKind.HTTP);
        assertThat(sample.receivedAt()).isBetween(Instant.now().minusSeconds(60), Instant.now());
    }

    private Map<String, String> entryMentioning(String stream, String run) {
        org.awaitility.Awaitility.await("an entry of " + run + " on " + stream)
                .atMost(java.time.Duration.ofSeconds(10))
                .until(() -> jedis().xrange(stream, "-", "+").stream()
                        .anyMatch(e -> e.getFields().get(StreamEntry.DATA).contains(run)));
        List<Map<String, String>> entries = jedis().xrange(stream, "-", "+").stream()
                .map(e -> e.getFields()).filter(f -> f.get(StreamEntry.DATA).contains(run)).toList();
        assertThat(entries).as("exactly one entry for " + run).hasSize(1);
        return entries.get(0);
    }

    private static LogEvent decodedLog(Map<String, String> entry) {
        EntryDecoding<LogEvent> decoding = LogEventCodec.fromEntry(entry);
        assertThat(decoding).as("decodes: %s", decoding).isInstanceOf(EntryDecoding.Decoded.class);
        return ((EntryDecoding.Decoded<LogEvent>) decoding).value();
    }
}
