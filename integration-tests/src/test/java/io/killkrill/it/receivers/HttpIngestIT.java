package io.killkrill.it.receivers;

import com.fasterxml.jackson.databind.JsonNode;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.model.StreamEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP ingestion against a real Redis: every body shape and encoding lands in the stream with the right fields,
 * the 202 counts equal what XRANGE shows, and every refusal says why. Reconciliation: for each request, accepted
 * = entries in the stream (XLEN/XRANGE) and accepted + rejected = items sent; refused requests leave the stream
 * empty.
 */
@ExtendWith(RedisExtension.class)
class HttpIngestIT {
    private static final String JSON = "application/json";
    private ReceiversUnderTest service;

    @BeforeEach
    void start(RedisService redis, TestInfo test) throws Exception {
        service = ReceiversUnderTest.start(redis, "http-" + test.getTestMethod().orElseThrow().getName(),
                config -> config.withLimits(64 * 1024, 10, 64 * 1024, 1_000_000));
    }

    @AfterEach
    void stop() {
        service.close();
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static JsonNode body(HttpResponse<String> response) {
        return ReceiversUnderTest.json(response.body());
    }

    private static void assertCounts(HttpResponse<String> response, int status, int accepted, int rejected) {
        assertThat(response.statusCode()).as("status of %s", response.body()).isEqualTo(status);
        assertThat(body(response).get("accepted").asInt()).as("accepted").isEqualTo(accepted);
        assertThat(body(response).get("rejected").asInt()).as("rejected").isEqualTo(rejected);
    }

    @Test
    void oneJsonObjectLandsWithEveryField() {
        HttpResponse<String> response = service.post("/api/v1/logs", JSON, utf8("""
                {"message":"user logged in","service":"auth-api","level":"WARNING","host":"web-1",
                 "timestamp":"2026-11-25T17:54:51.123+02:00","trace_id":"t1","attributes":{"user":"u1","n":3}}"""));

        assertCounts(response, 202, 1, 0);
        List<redis.clients.jedis.resps.StreamEntry> entries = service.entries(service.streams.logs());
        assertThat(entries).hasSize(1);
        JsonNode event = ReceiversUnderTest.json(entries.get(0).getFields().get(StreamEntry.DATA));
        assertThat(entries.get(0).getFields()).containsEntry(StreamEntry.SCHEMA_VERSION, "1")
                .containsEntry(StreamEntry.EVENT_ID, event.get("event_id").asText());
        assertThat(event.get("message").asText()).isEqualTo("user logged in");
        assertThat(event.get("service").asText()).isEqualTo("auth-api");
        assertThat(event.get("level").asText()).isEqualTo("warn");
        assertThat(event.get("host").asText()).isEqualTo("web-1");
        assertThat(event.get("timestamp").asText()).isEqualTo("2026-11-25T17:54:51.123+02:00");
        assertThat(event.get("trace_id").asText()).isEqualTo("t1");
        assertThat(event.get("attributes").get("user").asText()).isEqualTo("u1");
        assertThat(event.get("attributes").get("n").asLong()).isEqualTo(3);
        assertThat(event.get("source").get("type").asText()).isEqualTo("http");
        assertThat(event.get("source").get("peer").asText()).startsWith("127.0.0.1:");
    }

    @Test
    void arrayNdjsonAndGzipBodiesLandInOrder() throws IOException {
        assertCounts(service.post("/api/v1/logs", JSON, utf8(
                "[{\"message\":\"a1\",\"service\":\"s\"},{\"message\":\"a2\",\"service\":\"s\"}]")), 202, 2, 0);
        assertCounts(service.post("/api/v1/logs", "application/x-ndjson; charset=utf-8", utf8(
                "{\"message\":\"n1\",\"service\":\"s\"}\r\n\n{\"message\":\"n2\",\"service\":\"s\"}\n")), 202, 2, 0);
        assertCounts(service.post("/api/v1/logs", JSON, gzip(utf8(
                "[{\"message\":\"g1\",\"service\":\"s\"},{\"message\":\"g2\",\"service\":\"s\"}]")),
                "Content-Encoding", "gzip"), 202, 2, 0);
        assertCounts(service.post("/api/v1/logs", "application/x-ndjson", gzip(utf8(
                "{\"message\":\"z1\",\"service\":\"s\"}\n")), "Content-Encoding", "gzip"), 202, 1, 0);

        assertThat(service.events(service.streams.logs())).extracting(e -> e.get("message").asText())
                .containsExactly("a1", "a2", "n1", "n2", "g1", "g2", "z1");
        assertThat(service.events(service.streams.logs())).extracting(e -> e.get("event_id").asText())
                .doesNotHaveDuplicates();
    }

    @Test
    void metricSamplesAsJsonAndAsPrometheusText() {
        assertCounts(service.post("/api/v1/metrics", JSON, utf8("""
                [{"name":"cpu_usage","value":0.5,"labels":{"host":"a"},"type":"gauge","timestamp":1764093291},
                 {"name":"requests_total","value":10,"type":"counter"}]""")), 202, 2, 0);
        String page = """
                # HELP http_requests_total Requests.
                # TYPE http_requests_total counter
                http_requests_total{method="get",code="200"} 1027 1764093291000
                http_requests_total{method="post",code="500"} 3
                # TYPE queue_depth gauge
                queue_depth 7
                broken_metric{x=1} 2
                not_finite NaN
                """;
        HttpResponse<String> response = service.post("/api/v1/metrics", "text/plain; version=0.0.4", utf8(page));

        assertCounts(response, 202, 3, 2);
        assertThat(body(response).get("errors")).extracting(e -> e.get("index").asInt() + ":" + e.get("field").asText())
                .containsExactly("3:line 7", "4:value");
        List<JsonNode> samples = service.events(service.streams.metrics());
        assertThat(samples).hasSize(5);
        assertThat(samples.get(0).get("labels").get("host").asText()).isEqualTo("a");
        assertThat(samples.get(0).get("timestamp").asText()).isEqualTo("2025-11-25T17:54:51Z");
        JsonNode prom = samples.get(2);
        assertThat(prom.get("name").asText()).isEqualTo("http_requests_total");
        assertThat(prom.get("type").asText()).isEqualTo("counter");
        assertThat(prom.get("value").asDouble()).isEqualTo(1027);
        assertThat(prom.get("labels").get("code").asText()).isEqualTo("200");
        assertThat(prom.get("timestamp").asText()).isEqualTo("2025-11-25T17:54:51Z");
        JsonNode noTimestamp = samples.get(3);
        assertThat(noTimestamp.get("timestamp").asText()).as("a sample without timestamp takes the time received")
                .isEqualTo(noTimestamp.get("received_at").asText());
        assertThat(samples.get(4).get("type").asText()).isEqualTo("gauge");
    }

    @Test
    void mixedBatchStoresOnlyTheValidItemsAndNamesEachError() {
        HttpResponse<String> response = service.post("/api/v1/logs", JSON, utf8("""
                [{"message":"ok-0","service":"s"},
                 {"message":"no service"},
                 {"message":"ok-2","service":"s"},
                 {"message":"bad level","service":"s","level":"loud"},
                 "not an object"]"""));

        assertCounts(response, 202, 2, 3);
        assertThat(body(response).get("errors")).extracting(e -> e.get("index").asInt() + ":" + e.get("field").asText())
                .containsExactly("1:service", "3:level", "4:");
        assertThat(body(response).get("errors").get(1).get("reason").asText()).contains("must be one of");
        assertThat(service.events(service.streams.logs())).extracting(e -> e.get("message").asText())
                .containsExactly("ok-0", "ok-2");
    }

    @Test
    void noValidItemIs400WithTheSameBody() {
        HttpResponse<String> response = service.post("/api/v1/logs", JSON, utf8("[{\"message\":\"x\"},{}]"));

        assertCounts(response, 400, 0, 2);
        assertThat(body(response).get("errors")).isNotEmpty();
        assertThat(service.length(service.streams.logs())).isZero();
    }

    @Test
    void malformedJsonIs400SayingWhereItBroke() {
        HttpResponse<String> response = service.post("/api/v1/logs", JSON,
                utf8("[{\"message\":\"x\",\"service\":\"s\"},\n {\"message\" \"y\"}]"));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(body(response).get("error").asText()).contains("line 2, column");
        assertThat(service.length(service.streams.logs())).isZero();
    }

    @Test
    void unsupportedMediaTypeOrEncodingIs415() {
        byte[] valid = utf8("{\"message\":\"x\",\"service\":\"s\"}");

        assertThat(service.post("/api/v1/logs", "text/xml", valid).statusCode()).isEqualTo(415);
        assertThat(service.post("/api/v1/logs", "text/plain", valid).statusCode())
                .as("Prometheus text is for metrics only").isEqualTo(415);
        HttpResponse<String> brotli = service.post("/api/v1/logs", JSON, valid, "Content-Encoding", "br");
        assertThat(brotli.statusCode()).isEqualTo(415);
        assertThat(body(brotli).get("error").asText()).contains("Content-Encoding");
        assertThat(service.length(service.streams.logs())).isZero();
    }

    @Test
    void oversizeBodiesAre413WhetherDeclaredOrChunked() {
        byte[] big = new byte[100 * 1024];
        java.util.Arrays.fill(big, (byte) ' ');

        HttpResponse<String> declared = service.post("/api/v1/logs", JSON, big);
        HttpResponse<String> chunked = service.send(HttpRequest.newBuilder(service.uri("/api/v1/logs"))
                .header("Content-Type", JSON)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))).build());

        assertThat(declared.statusCode()).isEqualTo(413);
        assertThat(chunked.statusCode()).isEqualTo(413);
        assertThat(body(chunked).get("error").asText()).contains("exceeds 65536 bytes");
        assertThat(service.length(service.streams.logs())).isZero();
    }

    @Test
    void declaredOversizeIsRefusedBeforeTheBodyIsSent() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", service.receivers.ports().http())) {
            OutputStream out = socket.getOutputStream();
            out.write(utf8("POST /api/v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 1073741824\r\n\r\n"));
            out.flush();
            String statusLine = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(statusLine).isEqualTo("HTTP/1.1 413");
        }
    }

    @Test
    void gzipBombIs413() throws IOException {
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(compressed)) {
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 50; i++) {
                gzip.write(zeros);
            }
        }
        assertThat(compressed.size()).as("the bomb itself is under the body limit").isLessThan(64 * 1024);

        HttpResponse<String> response = service.post("/api/v1/logs", JSON, compressed.toByteArray(),
                "Content-Encoding", "gzip");

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(body(response).get("error").asText()).contains("decompressed");
        assertThat(service.length(service.streams.logs())).isZero();
    }

    @Test
    void tooManyItemsIs413() {
        StringBuilder array = new StringBuilder("[");
        for (int i = 0; i < 11; i++) {
            array.append(i == 0 ? "" : ",").append("{\"message\":\"m\",\"service\":\"s\"}");
        }
        HttpResponse<String> response = service.post("/api/v1/logs", JSON, utf8(array + "]"));

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(body(response).get("error").asText()).contains("at most 10");
        assertThat(service.length(service.streams.logs())).isZero();
    }

    @Test
    void healthEndpoints() {
        assertThat(service.get("/health/live").statusCode()).isEqualTo(200);
        assertThat(service.get("/health/ready").statusCode()).isEqualTo(200);
        assertThat(service.get("/nope").statusCode()).isEqualTo(404);
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
            gzip.write(data);
        }
        return bytes.toByteArray();
    }
}
