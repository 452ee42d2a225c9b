package io.killkrill.model;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The stream entries' streaming reader ({@link LogEventCodec#fromEntry}, {@link MetricSampleCodec#fromEntry})
 * answers exactly what the tree reader it replaced answers ({@link TreeEntryDecoder}): the same event, or the same
 * dead-letter reason and message, on a corpus of valid entries and of entries broken every way we could think of
 * (each field with every JSON type, removed, duplicated, unknown members, malformed and truncated JSON) plus
 * random text mutations.
 */
class StreamingEntryEquivalenceTest {
    private static final Instant RECEIVED = Instant.parse("2026-11-25T12:00:00.123Z");

    /** Values each member is replaced with: every JSON type, edge numbers, and a few malformed texts. */
    private static final List<String> VALUES = List.of("null", "\"\"", "\" \"", "\"x\"", "\"api\"", "0", "-1", "7",
            "23", "24", "1.5", "-0.0", "1e400", "-1e400", "1E2", "4294967297", "-4294967290", "9223372036854775807",
            "9223372036854775808", "123456789012345678901234567890", "1764072000000", "1764072000.5",
            "253402300799999", "253402300800000", "true", "false", "[]", "[1,{\"a\":2}]", "{}",
            "{\"type\":\"http\"}", "{\"type\":\"syslog\",\"peer\":\"10.0.0.1:514\"}", "{\"type\":\"udp\"}",
            "{\"type\":null,\"peer\":5}", "{\"format\":\"rfc5424\",\"facility\":1,\"severity\":6}",
            "{\"format\":\"rfc3164\",\"facility\":4294967297,\"severity\":7,\"app_name\":\"a\",\"proc_id\":null}",
            "{\"format\":\"x\",\"facility\":1.0,\"severity\":[],\"msg_id\":\"" + "m".repeat(33) + "\"}",
            "{\"a\":\"b\",\"n\":1,\"f\":2.5,\"t\":true,\"z\":null,\"o\":{},\"l\":[],\"big\":1e400}",
            "{\"\":1,\"a\":\"1\",\"a\":2}", "{\"env\":\"prod\",\"__x\":\"1\",\"9a\":\"b\"}",
            "\"2026-11-25T12:00:00Z\"", "\"2026-11-25T12:00:00.000Z\"", "\"2026-11-25 12:00:00+01:00\"",
            "\"2026-11-25t12:00:00z\"", "\"+10000-01-01T00:00:00Z\"", "\"0000-01-01T00:00:00+01:00\"",
            "\"9999-12-31T23:59:59.999999999Z\"", "\"2026-02-30T00:00:00Z\"", "\"not a time\"", "\"WARNING\"",
            "\"loud\"", "\"rfc5424\"", "\"http\"", "\"syslog\"", "\"" + "h".repeat(256) + "\"",
            "\"018f3f6e-8a6e-7c2b-9d4e-3b1f2a4c5d6e\"", "\"018F3F6E-8A6E-7C2B-9D4E-3B1F2A4C5D6E\"",
            "\"caf\\u00e9\\n\\\"q\\\"\"", "\"bad \\q escape\"", "\"unterminated", "tru", "01", "1.", "-",
            "\"ctl\u0001char\"", "{\"a\":}", "[1,]", "{\"a\" 1}", "nul");

    private static final List<String> LOG_MEMBERS = List.of("event_id", "received_at", "source", "timestamp",
            "level", "service", "message", "host", "trace_id", "span_id", "attributes", "syslog", "unknown");
    private static final List<String> METRIC_MEMBERS = List.of("event_id", "received_at", "source", "name", "value",
            "labels", "timestamp", "type", "unknown");

    @Test
    void logEntriesDecodeAsTheTreeDecodedThem() {
        int checked = 0;
        for (Map<String, String> entry : logEntries()) {
            for (String data : variants(entry.get(StreamEntry.DATA), LOG_MEMBERS)) {
                assertSameAnswer(withData(entry, data), LogEventCodec::fromEntry, TreeEntryDecoder::logEvent);
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(5_000);
    }

    @Test
    void metricEntriesDecodeAsTheTreeDecodedThem() {
        for (Map<String, String> entry : metricEntries()) {
            for (String data : variants(entry.get(StreamEntry.DATA), METRIC_MEMBERS)) {
                assertSameAnswer(withData(entry, data), MetricSampleCodec::fromEntry, TreeEntryDecoder::metricSample);
            }
        }
    }

    @Test
    void randomTextMutationsDecodeAsTheTreeDecodedThem() {
        SplittableRandom random = new SplittableRandom(18);
        String alphabet = "{}[]\",:\\ 0123456789.-+eEtrufalsnxZT\u00e9";
        List<Map<String, String>> entries = new ArrayList<>(logEntries());
        int decoded = 0;
        for (int i = 0; i < 30_000; i++) {
            Map<String, String> entry = entries.get(random.nextInt(entries.size()));
            StringBuilder data = new StringBuilder(entry.get(StreamEntry.DATA));
            for (int edits = 1 + random.nextInt(3); edits > 0 && !data.isEmpty(); edits--) {
                int at = random.nextInt(data.length());
                switch (random.nextInt(3)) {
                    case 0 -> data.deleteCharAt(at);
                    case 1 -> data.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
                    default -> data.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
                }
            }
            EntryDecoding<LogEvent> answer = assertSameAnswer(withData(entry, data.toString()),
                    LogEventCodec::fromEntry, TreeEntryDecoder::logEvent);
            if (answer instanceof EntryDecoding.Decoded<LogEvent>) {
                decoded++;
            }
            assertSameAnswer(withData(metricEntries().get(i % 2), data.toString()), MetricSampleCodec::fromEntry,
                    TreeEntryDecoder::metricSample);
        }
        assertThat(decoded).as("some mutations keep the entry valid").isPositive();
    }

    @Test
    void envelopesAndRootsThatAreNotAnObjectFailAsBefore() {
        Map<String, String> valid = logEntries().get(0);
        List<Map<String, String>> entries = new ArrayList<>();
        for (String data : List.of("", " ", "null", "[]", "[1", "[1,{\"a\":\"\\q\"}]", "\"x", "\"x\"", "1", "1 2",
                "1x", "tru", "true", "{}", "{} x", "{\"a\":1}}", "{", "{\"a\"", "{\"a\":", "{\"a\":1,",
                "[" + "[".repeat(70) + "]".repeat(71), "{\"unknown\":" + "[".repeat(70) + "]".repeat(70) + "}",
                "{\"attributes\":{\"a\":" + "{\"b\":".repeat(70) + "1" + "}".repeat(71) + "}",
                valid.get(StreamEntry.DATA) + "garbage", valid.get(StreamEntry.DATA) + "{")) {
            entries.add(withData(valid, data));
        }
        Map<String, String> noVersion = new LinkedHashMap<>(valid);
        noVersion.remove(StreamEntry.SCHEMA_VERSION);
        Map<String, String> otherVersion = new LinkedHashMap<>(valid);
        otherVersion.put(StreamEntry.SCHEMA_VERSION, "2");
        Map<String, String> noData = new LinkedHashMap<>(valid);
        noData.remove(StreamEntry.DATA);
        entries.addAll(List.of(noVersion, otherVersion, noData));
        for (Map<String, String> entry : entries) {
            assertSameAnswer(entry, LogEventCodec::fromEntry, TreeEntryDecoder::logEvent);
            assertSameAnswer(entry, MetricSampleCodec::fromEntry, TreeEntryDecoder::metricSample);
        }
    }

    @Test
    void ofDuplicateMembersTheLastWinsAsInATree() {
        Map<String, String> entry = logEntries().get(0);
        String data = entry.get(StreamEntry.DATA);
        String twice = "{\"message\":\"first\",\"level\":\"loud\"," + data.substring(1, data.length() - 1)
                + ",\"message\":\"last\",\"attributes\":{\"k\":1,\"j\":2,\"k\":\"v\"}}";

        EntryDecoding<LogEvent> decoding = assertSameAnswer(withData(entry, twice), LogEventCodec::fromEntry,
                TreeEntryDecoder::logEvent);

        LogEvent event = ((EntryDecoding.Decoded<LogEvent>) decoding).value();
        assertThat(event.message()).isEqualTo("last");
        assertThat(event.attributes()).containsExactlyInAnyOrderEntriesOf(Map.of("k", "v", "j", 2L));
    }

    private static <T> EntryDecoding<T> assertSameAnswer(Map<String, String> entry,
                                                         Function<Map<String, String>, EntryDecoding<T>> streaming,
                                                         Function<Map<String, String>, EntryDecoding<T>> tree) {
        EntryDecoding<T> expected = tree.apply(entry);
        EntryDecoding<T> actual = streaming.apply(entry);
        assertThat(actual).as("data: %s", entry.get(StreamEntry.DATA)).isEqualTo(expected);
        return actual;
    }

    /**
     * The data itself, then for each member: without it, with each of {@link #VALUES} in its place (also inside a
     * member object), given twice (the valid value first, then the other, and the other way round), and every
     * prefix of the text (truncations).
     */
    private static List<String> variants(String data, List<String> members) {
        Map<String, String> raw = rawMembers(data);
        List<String> variants = new ArrayList<>();
        variants.add(data);
        for (String member : members) {
            Map<String, String> without = new LinkedHashMap<>(raw);
            without.remove(member);
            variants.add(object(without, ""));
            for (String value : VALUES) {
                Map<String, String> replaced = new LinkedHashMap<>(raw);
                replaced.put(member, value);
                variants.add(object(replaced, ""));
                String original = raw.get(member);
                if (original != null) {
                    variants.add(object(raw, ",\"" + member + "\":" + value));
                    variants.add("{\"" + member + "\":" + value + "," + data.substring(1));
                    if (original.startsWith("{") && original.length() > 2) {
                        replaced.put(member, "{\"peer\":" + value + ",\"app_name\":" + value + ",\"k\":" + value + ","
                                + original.substring(1));
                        variants.add(object(replaced, ""));
                    }
                }
            }
        }
        for (int end = 0; end < data.length(); end += 3) {
            variants.add(data.substring(0, end));
        }
        return variants;
    }

    /** The top-level members of a valid data text, each value as text. */
    private static Map<String, String> rawMembers(String data) {
        Map<String, String> members = new LinkedHashMap<>();
        try {
            Json.MAPPER.readTree(data).fields().forEachRemaining(m -> members.put(m.getKey(), Json.write(m.getValue())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return members;
    }

    private static String object(Map<String, String> members, String tail) {
        StringBuilder text = new StringBuilder("{");
        members.forEach((name, value) -> text.append(text.length() > 1 ? "," : "").append('"').append(name)
                .append("\":").append(value));
        if (!tail.isEmpty() && members.isEmpty()) {
            tail = tail.substring(1);
        }
        return text.append(tail).append('}').toString();
    }

    private static Map<String, String> withData(Map<String, String> entry, String data) {
        Map<String, String> copy = new LinkedHashMap<>(entry);
        copy.put(StreamEntry.DATA, data);
        return copy;
    }

    private static List<Map<String, String>> logEntries() {
        IngestContext http = new IngestContext(EventIds.next(), RECEIVED, Source.http("10.0.0.1:5000"),
                Optional.empty());
        IngestContext syslog = new IngestContext(EventIds.next(), RECEIVED, Source.syslog("10.0.0.2:514"),
                Optional.of(new SyslogMetadata(SyslogMetadata.RFC5424, 1, 6, Optional.of("sshd"), Optional.of("42"),
                        Optional.of("ID1"))));
        List<Map<String, String>> entries = new ArrayList<>();
        entries.add(LogEventCodec.toEntry(valid(LogEventCodec.fromInput(tree("""
                {"message":"hello","service":"api"}"""), http))));
        entries.add(LogEventCodec.toEntry(valid(LogEventCodec.fromInput(tree("""
                {"message":"disk full","service":"storage-1.eu_west","timestamp":"2026-11-25T13:14:15.123+02:00",
                 "level":"WARNING","host":"db-7","trace_id":"abc","span_id":"def",
                 "attributes":{"disk":"/dev/sda","used_pct":99.5,"retries":3,"critical":true}}"""), http))));
        entries.add(LogEventCodec.toEntry(valid(LogEventCodec.fromInput(tree("""
                {"message":"Accepted publickey","service":"sshd","level":"notice","timestamp":1764072000123,
                 "attributes":{"origin@1.ip":"10.1.2.3"}}"""), syslog))));
        return entries;
    }

    private static List<Map<String, String>> metricEntries() {
        IngestContext http = new IngestContext(EventIds.next(), RECEIVED, Source.http("10.0.0.1:5000"),
                Optional.empty());
        return List.of(
                MetricSampleCodec.toEntry(valid(MetricSampleCodec.fromInput(tree("""
                        {"name":"http_requests_total","value":12,"type":"counter",
                         "labels":{"method":"GET","code":"200"},"timestamp":"2026-11-25T11:59:59.5Z"}"""), http))),
                MetricSampleCodec.toEntry(valid(MetricSampleCodec.fromInput(tree("""
                        {"name":"temperature","value":-3.25}"""), http))));
    }

    private static com.fasterxml.jackson.databind.JsonNode tree(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> T valid(Validated<T> validated) {
        return ((Validated.Valid<T>) validated).value();
    }
}
