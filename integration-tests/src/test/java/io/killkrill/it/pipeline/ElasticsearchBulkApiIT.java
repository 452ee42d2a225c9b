package io.killkrill.it.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import io.killkrill.it.support.ExternalTool;
import io.killkrill.it.support.FreePorts;
import io.killkrill.it.support.PipelineProcesses;
import io.killkrill.it.support.ServiceJar;
import io.killkrill.it.support.ServiceProcess;
import io.killkrill.model.EventIds;
import io.killkrill.model.Json;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.StreamEntryID;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Elasticsearch bulk API subset of the receivers, driven by the official Node.js client
 * ({@code @elastic/elasticsearch} v8, installed by {@code scripts/dev-services up --test-tools}) through the real
 * log-worker into the real Elasticsearch. The receivers require an API key, which the client presents as
 * {@code Authorization: ApiKey <key>}.
 */
class ElasticsearchBulkApiIT extends PipelineScenario {
    private static final String KEY = "bulk-api-key-0123456789";
    private static final String ACCEPTED = "killkrill_receivers_items_accepted_total";
    private static final Path SCRIPT = Path.of(System.getProperty("killkrill.repoRoot", "."),
            "integration-tests/src/test/resources/elasticsearch-bulk/bulk-helper.cjs");

    /** A second receivers process, writing to a stream nobody consumes, whose backlog limit is 1. */
    private ServiceProcess throttled;
    private int throttledPort;
    private String throttledStream;

    @Override
    protected void startServices() throws Exception {
        receivers = pipeline.receivers(Map.of("KILLKRILL_HTTP_API_KEYS", KEY));
        logWorkers.add(pipeline.logWorker("lw-1", Map.of()));
        throttledPort = FreePorts.next();
        throttledStream = streams.logs() + "-throttled";
        Map<String, String> env = new HashMap<>(receivers.environment());
        env.put("KILLKRILL_HTTP_PORT", Integer.toString(throttledPort));
        env.put("KILLKRILL_SYSLOG_PORT", Integer.toString(FreePorts.next()));
        env.put("KILLKRILL_LOGS_STREAM", throttledStream);
        env.put("KILLKRILL_RECEIVERS_MAX_BACKLOG", "1");
        throttled = new ServiceProcess("receivers-throttled", ServiceJar.of("receivers"), env,
                URI.create("http://127.0.0.1:" + throttledPort + "/health/ready"));
        owned.add(throttled);
        owned.add(() -> jedis().del(throttledStream));
        PipelineProcesses.startAll(receivers, logWorkers.get(0), throttled);
    }

    /** What the bulk-helper script printed: the helper's stats, its onDrop calls, the requests, the error. */
    private JsonNode helper(int port, String key, String run, int count, int invalidEvery) throws IOException {
        Path client = Path.of(System.getenv().getOrDefault("KILLKRILL_DEV_DIR", "/var/tmp/killkrill-dev"),
                "node-elasticsearch");
        assertThat(client.resolve("node_modules/@elastic/elasticsearch/package.json"))
                .as("the Elasticsearch Node.js client: 'scripts/dev-services up --test-tools' installs it").exists();
        ExternalTool.Result result = ExternalTool.run(Path.of("."), new byte[0], "node", SCRIPT.toString(),
                client.toString(), "http://127.0.0.1:" + port, key, run, Integer.toString(count),
                Integer.toString(invalidEvery));
        assertThat(result.exitCode()).as(result.output()).isZero();
        String last = result.output().lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElse("{}");
        return Json.MAPPER.readTree(last);
    }

    /**
     * 10,000 documents through {@code helpers.bulk}, every 1000th without a message. Proof: the helper's onDrop
     * saw exactly the 10 invalid ones, each a 400 {@code mapper_parsing_exception} naming {@code message}; its
     * stats say 9,990 successful; Elasticsearch holds exactly the 9,990 valid messages, none twice; sent =
     * indexed + dropped. The client made no call but {@code POST /_bulk} (no probe of its own), each body gzipped.
     */
    @Test
    void theOfficialClientsBulkHelperIndexesEveryValidDocumentOnceAndIsToldOfExactlyTheInvalidOnes()
            throws Exception {
        String run = run("es_bulk");
        JsonNode out = helper(pipeline.httpPort(), KEY, run, 10_000, 1000);

        assertThat(out.get("error").isNull()).as(out.toString()).isTrue();
        Set<Integer> dropped = new HashSet<>();
        for (JsonNode drop : out.get("dropped")) {
            dropped.add(drop.get("seq").asInt());
            assertThat(drop.get("status").asInt()).isEqualTo(400);
            assertThat(drop.get("type").asText()).isEqualTo("mapper_parsing_exception");
            assertThat(drop.get("reason").asText()).contains("message is required");
        }
        Set<Integer> invalid = new HashSet<>();
        IntStream.range(0, 10).forEach(i -> invalid.add(i * 1000 + 999));
        assertThat(dropped).isEqualTo(invalid);
        assertThat(out.get("stats").get("successful").asInt()).isEqualTo(9_990);
        assertThat(out.get("stats").get("failed").asInt()).isEqualTo(10);
        List<String> requests = new ArrayList<>();
        out.get("requests").forEach(r -> requests.add(r.asText()));
        assertThat(requests).as("the calls the client made, with their Content-Encoding").isNotEmpty()
                .allMatch(r -> r.equals("POST /_bulk gzip"));

        awaitLogs(run, 9_990, 0, Duration.ofSeconds(90));
        Set<String> expected = new HashSet<>();
        IntStream.range(0, 10_000).filter(i -> !invalid.contains(i)).forEach(i -> expected.add(run + "-" + i));
        assertThat(indexed(run)).isEqualTo(9_990);
        assertThat(indexedMessages(run)).isEqualTo(expected);
        assertThat(duplicateMessages(run)).isEmpty();
        assertThat(indexed(run) + dropped.size()).isEqualTo(10_000);
        JsonNode doc = documents(run).get(0).source();
        assertThat(doc.path("level").asText()).isEqualTo("info");
        assertThat(doc.path("attributes").path("log.logger").asText()).isEqualTo("bulk-helper");
    }

    /**
     * Refusals of the whole request, each a 4xx in Elasticsearch's error shape with {@code X-Elastic-Product},
     * and none stores anything (the receivers' accepted counter does not move): a broken action line, an action
     * without its document, a gzip bomb (11 MiB of zeros inflating past the 10 MiB limit), a Content-Type the
     * bulk API does not take, no key, a wrong key.
     */
    @Test
    void malformedBodiesAGzipBombAWrongContentTypeAndBadKeysAreRefusedWholeWithNothingStored() throws Exception {
        String run = run("es_bulk_refused");
        String doc = "{\"message\":\"" + run + "\",\"service\":\"" + run + "\"}\n";
        double acceptedBefore = counter(get(pipeline.receiversUri("/metrics")).body(), ACCEPTED);

        assertRefused(send("/_bulk", "application/x-ndjson", null, ("{\"index\":{}\n" + doc).getBytes(
                StandardCharsets.UTF_8), "ApiKey " + KEY), 400, "parse_exception", "line [1]");
        assertRefused(send("/_bulk", "application/x-ndjson", null, ("{\"index\":{}}\n" + doc + "{\"index\":{}}\n")
                .getBytes(StandardCharsets.UTF_8), "ApiKey " + KEY), 400, "parse_exception", "no document line");
        assertRefused(send("/logs/_bulk", "application/x-ndjson", "gzip", gzipBomb(), "ApiKey " + KEY), 413,
                "content_too_long_exception", "decompressed body exceeds");
        assertRefused(send("/_bulk", "text/plain", null, ("{\"index\":{}}\n" + doc).getBytes(StandardCharsets.UTF_8),
                "ApiKey " + KEY), 415, "media_type_header_exception", "application/x-ndjson");
        assertRefused(send("/_bulk", "application/x-ndjson", null, ("{\"index\":{}}\n" + doc).getBytes(
                StandardCharsets.UTF_8), null), 401, "security_exception", "API key");
        assertRefused(send("/_bulk", "application/x-ndjson", null, ("{\"index\":{}}\n" + doc).getBytes(
                StandardCharsets.UTF_8), "ApiKey not-the-key-0123456789"), 401, "security_exception", "API key");
        JsonNode wrongKey = helper(pipeline.httpPort(), "not-the-key-0123456789", run, 10, 1000);
        assertThat(wrongKey.get("error").get("statusCode").asInt()).isEqualTo(401);

        double acceptedAfter = counter(get(pipeline.receiversUri("/metrics")).body(), ACCEPTED);
        assertThat(acceptedAfter).as("items accepted by the refused requests").isEqualTo(acceptedBefore);
        HttpResponse<String> valid = send("/_bulk", "application/x-ndjson", null, ("{\"index\":{}}\n" + doc)
                .getBytes(StandardCharsets.UTF_8), "ApiKey " + KEY);
        assertThat(valid.statusCode()).as(valid.body()).isEqualTo(200);
        assertThat(counter(get(pipeline.receiversUri("/metrics")).body(), ACCEPTED))
                .as("the counter counts an accepted bulk item").isEqualTo(acceptedAfter + 1);
    }

    /**
     * A bulk request sent twice with one Idempotency-Key is stored once: the repeat gets the first bulk response
     * again ({@code Idempotent-Replayed: true}, the same {@code _id}s), and Elasticsearch holds each document once.
     * The probes answer as the shippers expect: {@code GET /} a version, {@code GET /_license} an active basic one.
     */
    @Test
    void aRepeatWithTheSameIdempotencyKeyIsAnsweredAgainAndStoredOnce() throws Exception {
        String run = run("es_bulk_idem");
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            body.append("{\"create\":{\"_index\":\"").append(run).append("\"}}\n{\"message\":\"").append(run)
                    .append('-').append(i).append("\",\"@timestamp\":\"2026-11-30T10:00:00Z\"}\n");
        }
        List<HttpResponse<String>> answers = new ArrayList<>();
        for (int attempt = 0; attempt < 2; attempt++) {
            answers.add(http.send(HttpRequest.newBuilder(pipeline.receiversUri("/" + run + "/_bulk"))
                    .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/x-ndjson")
                    .header("Authorization", "ApiKey " + KEY).header("Idempotency-Key", run)
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        assertThat(answers.get(0).statusCode()).as(answers.get(0).body()).isEqualTo(200);
        assertThat(Json.MAPPER.readTree(answers.get(0).body()).get("errors").asBoolean()).isFalse();
        assertThat(answers.get(1).headers().firstValue("Idempotent-Replayed")).contains("true");
        assertThat(answers.get(1).body()).isEqualTo(answers.get(0).body());

        awaitLogs(run, 3, 0, Duration.ofSeconds(60));
        assertThat(indexed(run)).isEqualTo(3);
        assertThat(duplicateMessages(run)).isEmpty();

        HttpResponse<String> root = get(pipeline.receiversUri("/"));
        assertThat(root.headers().firstValue("X-Elastic-Product")).contains("Elasticsearch");
        assertThat(Json.MAPPER.readTree(root.body()).get("version").get("number").asText()).startsWith("8.");
        HttpResponse<String> license = get(pipeline.receiversUri("/_license"));
        assertThat(Json.MAPPER.readTree(license.body()).get("license").get("status").asText()).isEqualTo("active");
    }

    /**
     * Fluent Bit with {@code Generate_ID On} resends a whole chunk under the same {@code _id}s (hashes, no UUIDv7)
     * whenever an answer says {@code "errors":true}: a chunk of 4 documents, one invalid, sent 3 times. Every answer
     * gives the 3 valid documents the same {@code _id}s (the UUIDv7 the receivers derive from the document's time
     * and the shipper's {@code _id}), and Elasticsearch holds each of them once. Reconciliation: 9 valid items
     * accepted over the 3 sends = 3 documents indexed + 6 copies Elasticsearch refused as existing (409), no
     * duplicate messages; the invalid one is refused per item every time.
     */
    @Test
    void aChunkResentUnderTheShippersOwnIdsIsIndexedOncePerId() throws Exception {
        String run = run("es_bulk_resend");
        String time = java.time.Instant.now().minusSeconds(600).toString();
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            body.append("{\"create\":{\"_index\":\"").append(run).append("\",\"_id\":\"fb-").append(run).append('-')
                    .append(i).append("\"}}\n").append(i == 2 ? "{\"@timestamp\":\"" + time + "\"}\n"
                            : "{\"message\":\"" + run + "-" + i + "\",\"@timestamp\":\"" + time + "\"}\n");
        }
        List<List<String>> ids = new ArrayList<>();
        for (int send = 0; send < 3; send++) {
            HttpResponse<String> answer = sendTo(pipeline.receiversUri("/_bulk"), body.toString());
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            JsonNode items = Json.MAPPER.readTree(answer.body()).get("items");
            List<String> created = new ArrayList<>();
            for (JsonNode item : items) {
                JsonNode create = item.get("create");
                if (create.get("status").asInt() == 201) {
                    created.add(create.get("_id").asText());
                }
            }
            assertThat(items.get(2).get("create").get("status").asInt()).as("the invalid one").isEqualTo(400);
            ids.add(created);
        }
        assertThat(ids.get(0)).hasSize(3).doesNotHaveDuplicates().allMatch(EventIds::isValid);
        assertThat(ids).as("the same _ids on every resend").allSatisfy(sent -> assertThat(sent).isEqualTo(ids.get(0)));

        awaitLogs(run, 3, 0, Duration.ofSeconds(60));
        await("the 6 resent copies reached Elasticsearch too").atMost(Duration.ofSeconds(60))
                .until(this::logsDrained);
        assertThat(indexed(run)).isEqualTo(3);
        assertThat(duplicateMessages(run)).isEmpty();
    }

    /**
     * 200 random bulk bodies (seeded: action lines, documents, broken JSON, garbage, in any order) against the
     * live receivers: never a 5xx; a 200 answers exactly one item per action, each 201 or 400.
     */
    @Test
    void randomBulkBodiesAreNeverA5xxAndEveryActionIsAnswered() throws Exception {
        String run = run("es_bulk_random");
        List<String> lines = List.of("{\"index\":{}}", "{\"create\":{\"_index\":\"" + run + "\"}}",
                "{\"delete\":{\"_id\":\"1\"}}", "{\"update\":{\"_id\":\"2\"}}", "{\"index\":{\"_id\":7}}",
                "{\"message\":\"m\",\"service\":\"" + run + "\"}", "{\"message\":\"m\"}", "{\"message\":2}",
                "{\"message\":\"m\",\"service\":{\"name\":\"" + run + "\"},\"log\":{\"level\":\"loud\"}}",
                "{broken", "[1]", "null", "\u00e9\u0000", "", "{\"index\":{}}{\"index\":{}}");
        Random random = new Random(42);
        for (int n = 0; n < 200; n++) {
            StringBuilder body = new StringBuilder();
            int count = random.nextInt(12);
            int actions = 0;
            for (int i = 0; i < count; i++) {
                String line = lines.get(random.nextInt(lines.size()));
                body.append(line).append('\n');
            }
            HttpResponse<String> response = send("/_bulk", "application/x-ndjson", null,
                    body.toString().getBytes(StandardCharsets.UTF_8), "ApiKey " + KEY);
            assertThat(response.statusCode()).as("body %s: %s", body, response.body()).isLessThan(500);
            if (response.statusCode() == 200) {
                JsonNode answer = Json.MAPPER.readTree(response.body());
                for (String line : body.toString().split("\n")) {
                    actions += line.matches("\\{\"(index|create|delete|update)\":\\{[^}]*}}") ? 1 : 0;
                }
                assertThat(answer.get("items").size()).as("body %s: %s", body, response.body())
                        .isPositive().isLessThanOrEqualTo(actions);
                answer.get("items").forEach(item ->
                        assertThat(item.elements().next().get("status").asInt()).isIn(201, 400));
            } else {
                assertThat(response.statusCode()).isEqualTo(400);
            }
        }
    }

    /**
     * The logs backlog over its limit (1): the bulk request is answered 429 with Retry-After as a whole, from
     * its headers, nothing stored, and the client surfaces it as a ResponseError (helpers.bulk does not retry a
     * request-level 429; its transport retries 502/503/504 only) that the application retries. Once the backlog
     * is back under the limit, the same batch is stored whole.
     */
    @Test
    void overTheBacklogTheBulkRequestIs429WithRetryAfterAndNothingIsStored() throws Exception {
        String run = run("es_bulk_backlog");
        for (int i = 0; i < 5; i++) {
            jedis().xadd(throttledStream, StreamEntryID.NEW_ENTRY, Map.of("filler", "x"));
        }
        URI probe = URI.create("http://127.0.0.1:" + throttledPort + "/_bulk");
        await("the throttled receivers refuse over the backlog").atMost(Duration.ofSeconds(10))
                .until(() -> sendTo(probe, "{\"delete\":{}}\n").statusCode() == 429);

        JsonNode refused = helper(throttledPort, KEY, run, 20, 1000);
        assertThat(refused.get("error").get("statusCode").asInt()).as(refused.toString()).isEqualTo(429);
        assertThat(refused.get("error").get("retryAfter").asText()).isEqualTo("5");
        assertThat(refused.get("error").get("type").asText()).isEqualTo("es_rejected_execution_exception");
        assertThat(jedis().xlen(throttledStream)).as("nothing stored over the backlog").isEqualTo(5);

        jedis().del(throttledStream);
        await("the throttled receivers take writes again").atMost(Duration.ofSeconds(10))
                .until(() -> sendTo(probe, "{\"delete\":{}}\n").statusCode() == 200);
        JsonNode stored = helper(throttledPort, KEY, run, 20, 1000);
        assertThat(stored.get("error").isNull()).as(stored.toString()).isTrue();
        assertThat(stored.get("stats").get("successful").asInt()).isEqualTo(20);
        assertThat(jedis().xlen(throttledStream)).isEqualTo(20);
    }

    private HttpResponse<String> sendTo(URI uri, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-ndjson").header("Authorization", "ApiKey " + KEY)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> send(String path, String contentType, String encoding, byte[] body,
                                      String authorization) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(pipeline.receiversUri(path))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (encoding != null) {
            request.header("Content-Encoding", encoding);
        }
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertRefused(HttpResponse<String> response, int status, String type, String reason)
            throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("X-Elastic-Product")).contains("Elasticsearch");
        JsonNode error = Json.MAPPER.readTree(response.body()).get("error");
        assertThat(error.get("type").asText()).isEqualTo(type);
        assertThat(error.get("reason").asText()).contains(reason);
    }

    /** A bulk body of 11 MiB of zeros after its first action, gzipped to about 11 KB. */
    private static byte[] gzipBomb() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write("{\"index\":{}}\n".getBytes(StandardCharsets.UTF_8));
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 11; i++) {
                gzip.write(zeros);
            }
        }
        return out.toByteArray();
    }
}
