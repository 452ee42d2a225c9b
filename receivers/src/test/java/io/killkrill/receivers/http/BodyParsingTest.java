package io.killkrill.receivers.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BodyParsingTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void jsonObjectOrArray() throws Exception {
        assertThat(JsonBodyParser.json(utf8("{\"a\":1}"), 10)).hasSize(1);
        assertThat(JsonBodyParser.json(utf8("[{\"a\":1},{\"a\":2},3]"), 10)).hasSize(3);
    }

    @Test
    void malformedJsonSaysWhereItBroke() {
        assertThatThrownBy(() -> JsonBodyParser.json(utf8("[{\"a\":1},\n{\"a\" 2}]"), 10))
                .isInstanceOf(MalformedBodyException.class).hasMessageContaining("line 2, column");
        assertThatThrownBy(() -> JsonBodyParser.json(utf8("{} {}"), 10)).isInstanceOf(MalformedBodyException.class)
                .hasMessageContaining("after the JSON value");
    }

    @Test
    void tooManyItems() {
        assertThatThrownBy(() -> JsonBodyParser.json(utf8("[1,2,3]"), 2)).isInstanceOf(BodyTooLargeException.class);
        assertThatThrownBy(() -> JsonBodyParser.ndjson(utf8("1\n2\n3\n"), 2)).isInstanceOf(BodyTooLargeException.class);
    }

    @Test
    void ndjsonSkipsBlankLinesAndRejectsBrokenLinesAlone() throws Exception {
        List<IngestItem> items = JsonBodyParser.ndjson(utf8("{\"a\":1}\r\n\n{broken\n{\"b\":2}"), 10);

        assertThat(items).hasSize(3);
        assertThat(items.get(1)).isInstanceOf(IngestItem.Unreadable.class);
        assertThat(((IngestItem.Unreadable) items.get(1)).errors().get(0).reason()).contains("line 3");
    }

    @Test
    void gzipIsInflatedUpToTheCapOnly() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
            gzip.write(new byte[1_000_000]);
        }
        assertThat(GzipBody.inflate(bytes.toByteArray(), 1_000_000, n -> true)).hasSize(1_000_000);
        assertThatThrownBy(() -> GzipBody.inflate(bytes.toByteArray(), 999_999, n -> true))
                .isInstanceOf(BodyTooLargeException.class);
        assertThatThrownBy(() -> GzipBody.inflate(utf8("not gzip"), 100, n -> true))
                .isInstanceOf(MalformedBodyException.class);
    }

    @Test
    void prometheusTextBecomesSamples() throws Exception {
        String page = """
                # HELP http_requests_total The total number of HTTP requests.
                # TYPE http_requests_total counter
                http_requests_total{method="post",code="200"} 1027 1395066363000
                http_requests_total{method="post",code="400",path="a\\"b\\\\c\\n"} 3
                # TYPE temp gauge
                temp 21.5
                # TYPE rpc_duration_seconds summary
                rpc_duration_seconds{quantile="0.5"} 4773
                rpc_duration_seconds_sum 1.7560473e+07
                broken{x=1} 2
                nan_metric NaN
                """;
        List<IngestItem> items = PrometheusTextParser.parse(utf8(page), 100);

        assertThat(items).hasSize(7);
        JsonNode first = ((IngestItem.Parsed) items.get(0)).node();
        assertThat(first.get("name").asText()).isEqualTo("http_requests_total");
        assertThat(first.get("type").asText()).isEqualTo("counter");
        assertThat(first.get("timestamp").asLong()).isEqualTo(1395066363000L);
        assertThat(first.get("labels").get("code").asText()).isEqualTo("200");
        assertThat(((IngestItem.Parsed) items.get(1)).node().get("labels").get("path").asText()).isEqualTo("a\"b\\c\n");
        assertThat(((IngestItem.Parsed) items.get(2)).node().get("type").asText()).isEqualTo("gauge");
        assertThat(((IngestItem.Parsed) items.get(3)).node().get("type").asText()).isEqualTo("gauge");
        assertThat(((IngestItem.Parsed) items.get(4)).node().get("type").asText()).isEqualTo("counter");
        assertThat(items.get(5)).isInstanceOf(IngestItem.Unreadable.class);
        assertThat(((IngestItem.Unreadable) items.get(5)).errors().get(0).field()).isEqualTo("line 10");
        assertThat(((IngestItem.Parsed) items.get(6)).node().get("value").isNumber()).isTrue();
    }

    @SuppressWarnings("unused")
    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
            gzip.write(data);
        }
        return bytes.toByteArray();
    }
}
