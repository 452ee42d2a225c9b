package io.killkrill.receivers.http;

import io.killkrill.model.FieldError;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every kind of malformed body the decoders see is refused with a message naming the problem (the ingest stage
 * answers 400 with it): never an exception escaping, never a silently different value. Each case is one that was
 * accepted or crashed before (issue 13): NDJSON nested too deep threw a NullPointerException, Prometheus {@code 1d}
 * and {@code 0x1p3} were stored as 1 and 8, a repeated label kept its last value, gzip trailing garbage was ignored.
 */
class MalformedBodyTest {
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String nested(int depth) {
        return "{\"message\":\"m\",\"service\":\"s\",\"attributes\":" + "[".repeat(depth) + "]".repeat(depth) + "}";
    }

    private static FieldError onlyError(List<IngestItem> items) {
        assertThat(items).hasSize(1);
        assertThat(items.get(0)).isInstanceOf(IngestItem.Unreadable.class);
        return ((IngestItem.Unreadable) items.get(0)).errors().get(0);
    }

    @Test
    void ndjsonNestedDeeperThan64LevelsIsARejectionNamingTheLine() throws Exception {
        FieldError error = onlyError(JsonBodyParser.ndjson(utf8(nested(100)), 10));

        assertThat(error.reason()).contains("line 1").contains("nested deeper than the 64 levels");
    }

    @Test
    void jsonNestedDeeperThan64LevelsIsMalformed() {
        assertThatThrownBy(() -> JsonBodyParser.json(utf8(nested(100)), 10))
                .isInstanceOf(MalformedBodyException.class).hasMessageContaining("nested deeper than the 64 levels");
    }

    @Test
    void ndjsonLineOfWhitespaceOnlyOrTwoValuesIsARejection() throws Exception {
        assertThat(onlyError(JsonBodyParser.ndjson(utf8("{} {}"), 10)).reason()).contains("more than one");
        assertThat(onlyError(JsonBodyParser.ndjson(utf8("\f"), 10)).reason()).contains("line 1");
    }

    @Test
    void prometheusValuesThatAreNoPrometheusNumbersAreRejected() throws Exception {
        for (String value : List.of("1d", "1f", "0x1p3", "Infinity", "1_000", "1e", "--1", "")) {
            List<IngestItem> items = PrometheusTextParser.parse(utf8("x " + value + "\n"), 10);
            if (value.isEmpty()) {
                assertThat(onlyError(items).reason()).contains("expected 'value");
                continue;
            }
            FieldError error = onlyError(items);
            assertThat(error.field()).isEqualTo("line 1");
            assertThat(error.reason()).as(value).contains("'" + value + "' is not a number");
        }
        assertThat(PrometheusTextParser.parse(utf8("x 1.5e3\ny -.5\nz +Inf\nw 7 -12\n"), 10))
                .allMatch(i -> i instanceof IngestItem.Parsed);
    }

    @Test
    void prometheusDuplicateLabelNamesAreRejected() throws Exception {
        FieldError error = onlyError(PrometheusTextParser.parse(utf8("x{a=\"1\",a=\"2\"} 3\n"), 10));

        assertThat(error.reason()).isEqualTo("label a appears twice");
    }

    @Test
    void prometheusTimestampsAreIntegersOnly() throws Exception {
        for (String ts : List.of("+5", "1.5", "0x10", "99999999999999999999")) {
            assertThat(onlyError(PrometheusTextParser.parse(utf8("x 1 " + ts), 10)).reason()).contains("timestamp");
        }
    }

    @Test
    void gzipWithTrailingGarbageIsMalformed() throws Exception {
        byte[] body = concat(gzip(utf8("{\"message\":\"m\",\"service\":\"s\"}")), utf8("garbage"));

        assertThatThrownBy(() -> GzipBody.inflate(body, 1 << 20, n -> true)).isInstanceOf(MalformedBodyException.class)
                .hasMessageContaining("7 bytes of trailing data");
    }

    @Test
    void gzipTruncatedCorruptOrWithABadChecksumIsMalformed() throws Exception {
        byte[] good = gzip(utf8("{\"message\":\"m\",\"service\":\"s\"}".repeat(100)));
        byte[] truncated = Arrays.copyOf(good, good.length - 12);
        byte[] badCrc = good.clone();
        badCrc[badCrc.length - 6] ^= 1;
        byte[] corrupt = good.clone();
        corrupt[12] ^= 0x55;

        assertThatThrownBy(() -> GzipBody.inflate(truncated, 1 << 20, n -> true)).hasMessageContaining("member 1");
        assertThatThrownBy(() -> GzipBody.inflate(badCrc, 1 << 20, n -> true)).hasMessageContaining("CRC-32");
        assertThatThrownBy(() -> GzipBody.inflate(corrupt, 1 << 20, n -> true))
                .isInstanceOf(MalformedBodyException.class);
    }

    @Test
    void concatenatedGzipMembersAreOneBody() throws Exception {
        byte[] body = concat(gzip(utf8("{\"a\":1}\n")), gzip(utf8("{\"b\":2}\n")));

        assertThat(new String(GzipBody.inflate(body, 1 << 20, n -> true), StandardCharsets.UTF_8))
                .isEqualTo("{\"a\":1}\n{\"b\":2}\n");
    }

    @Test
    void gzipInflationStopsWhenTheBudgetHasNoRoom() throws Exception {
        byte[] body = gzip(new byte[1 << 20]);

        assertThatThrownBy(() -> GzipBody.inflate(body, 2 << 20, n -> n <= 100_000))
                .isInstanceOf(GzipBody.OverBudgetException.class);
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
            gzip.write(data);
        }
        return bytes.toByteArray();
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
