package io.killkrill.it.receivers;

import com.fasterxml.jackson.databind.JsonNode;
import io.killkrill.it.support.MutatedBodies;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.it.support.RemoteWriteRequests;
import io.killkrill.it.support.RemoteWriteRequests.Sample;
import io.killkrill.it.support.RemoteWriteRequests.Series;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * POST /api/v1/write (Prometheus remote_write 1.0, issue 15 item 2) against the real Redis, with the guarantees of
 * the native endpoints: the mapping of series to samples, stale markers dropped and counted, per-sample
 * rejections, a 4xx that stores nothing for every body that is no snappy WriteRequest, the API key, the backlog's
 * 429, Idempotency-Key. Each test counts the stream's entries, so anything stored that should not be fails it.
 */
@ExtendWith(RedisExtension.class)
class RemoteWriteIT {
    private static final String KEY = "remote-write-0123456789abcdef";
    private static final String WRITE = "/api/v1/write";
    private static final long T = Instant.parse("2026-11-25T12:00:00Z").toEpochMilli();

    private static HttpResponse<String> write(ReceiversUnderTest service, byte[] body, String... headers) {
        List<String> all = new ArrayList<>(List.of("Content-Encoding", "snappy",
                "X-Prometheus-Remote-Write-Version", "0.1.0", "Authorization", "Bearer " + KEY));
        all.addAll(Arrays.asList(headers));
        return service.post(WRITE, RemoteWriteRequests.CONTENT_TYPE, body, all.toArray(String[]::new));
    }

    private static ReceiversUnderTest start(RedisService redis, String name) throws Exception {
        return ReceiversUnderTest.start(redis, name, c -> c.withApiKeys(List.of(KEY)));
    }

    /**
     * Two series, six samples: three stored (name, labels, value, timestamp as sent), one stale marker dropped and
     * counted, NaN and +Inf refused by the contract and named in the answer. 6 sent = 3 stored + 1 dropped + 2
     * rejected, on the answer, the meters and the stream.
     */
    @Test
    void everySampleOfEverySeriesIsStoredAsAMetricSample(RedisService redis) throws Exception {
        try (ReceiversUnderTest service = start(redis, "rw-map")) {
            byte[] body = RemoteWriteRequests.body(List.of(
                    Series.of("room_temp_celsius", List.of(new Sample(21.5, T), new Sample(22, T + 15_000),
                            new Sample(RemoteWriteRequests.STALE_NAN, T + 30_000)), "room", "a", "job", "probe"),
                    Series.of("http_requests_total", List.of(new Sample(7, T), new Sample(Double.NaN, T + 15_000),
                            new Sample(Double.POSITIVE_INFINITY, T + 30_000)), "code", "200")));

            HttpResponse<String> answer = write(service, body);

            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
            JsonNode result = ReceiversUnderTest.json(answer.body());
            assertThat(result.get("accepted").asInt()).isEqualTo(3);
            assertThat(result.get("rejected").asInt()).isEqualTo(2);
            assertThat(result.get("errors").findValuesAsText("field")).containsExactly("value", "value");
            List<JsonNode> events = service.events(service.streams.metrics());
            assertThat(events).hasSize(3);
            assertThat(events.get(0).get("name").asText()).isEqualTo("room_temp_celsius");
            assertThat(new TreeMap<>(Map.of("room", events.get(0).get("labels").get("room").asText(),
                    "job", events.get(0).get("labels").get("job").asText()))).hasSize(2);
            assertThat(events.get(0).get("labels").size()).as("__name__ is the name, not a label").isEqualTo(2);
            assertThat(events.get(0).get("value").asDouble()).isEqualTo(21.5);
            assertThat(Instant.parse(events.get(0).get("timestamp").asText())).isEqualTo(Instant.ofEpochMilli(T));
            assertThat(events.get(0).get("type").asText()).isEqualTo("gauge");
            assertThat(Instant.parse(events.get(1).get("timestamp").asText()))
                    .isEqualTo(Instant.ofEpochMilli(T + 15_000));
            assertThat(events.get(2).get("name").asText()).isEqualTo("http_requests_total");
            assertThat(events.get(2).get("type").asText()).isEqualTo("counter");

            String metrics = "kind=\"metrics\"";
            assertThat(service.meter("killkrill_receivers_items_received_total{", metrics)).isEqualTo(6);
            assertThat(service.meter("killkrill_receivers_items_accepted_total{", metrics)).isEqualTo(3);
            assertThat(service.meter("killkrill_receivers_items_rejected_total{", metrics, "reason=\"stale_marker\"")).isEqualTo(1);
            assertThat(service.meter("killkrill_receivers_items_rejected_total{", metrics, "reason=\"invalid_item\"")).isEqualTo(2);
            assertThat(service.meter("killkrill_receivers_http_request_seconds_count{", "path=\"/api/v1/write\"",
                    "status=\"202\"")).isEqualTo(1);
        }
    }

    /** Only stale markers: nothing to store and nothing wrong, so 200 (Prometheus must neither retry nor drop it). */
    @Test
    void aBodyOfOnlyStaleMarkersIsA200ThatStoresNothing(RedisService redis) throws Exception {
        try (ReceiversUnderTest service = start(redis, "rw-stale")) {
            HttpResponse<String> answer = write(service, RemoteWriteRequests.body(List.of(Series.of("up",
                    List.of(new Sample(RemoteWriteRequests.STALE_NAN, T)), "job", "gone"))));

            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            assertThat(service.length(service.streams.metrics())).isZero();
            assertThat(service.meter("killkrill_receivers_items_rejected_total{", "reason=\"stale_marker\"")).isEqualTo(1);
        }
    }

    /** Every body that is no snappy WriteRequest, or comes without the right key, is a clear 4xx; nothing stored. */
    @Test
    void undecodableBodiesWrongHeadersAndMissingKeysAre4xxAndStoreNothing(RedisService redis) throws Exception {
        try (ReceiversUnderTest service = ReceiversUnderTest.start(redis, "rw-bad",
                c -> c.withApiKeys(List.of(KEY)).withLimits(64 * 1024, 10_000, 64 * 1024, 1_000_000))) {
            byte[] valid = RemoteWriteRequests.body(List.of(Series.of("m", List.of(new Sample(1, T)))));
            byte[] notProtobuf = RemoteWriteRequests.snappy("{\"name\":\"m\",\"value\":1}".getBytes(
                    StandardCharsets.UTF_8));
            byte[] notSnappy = RemoteWriteRequests.protobuf(List.of(Series.of("m", List.of(new Sample(1, T)))));
            // 1 MiB of zeros is a ~50 KB snappy block: within the 64 KiB body limit, far past it decompressed
            byte[] bomb = RemoteWriteRequests.snappy(new byte[1024 * 1024]);
            byte[] liar = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F, 0x00};

            assertThat(write(service, notProtobuf).statusCode()).isEqualTo(400);
            HttpResponse<String> unsnappy = write(service, notSnappy);
            assertThat(unsnappy.statusCode()).isEqualTo(400);
            assertThat(unsnappy.body()).contains("snappy");
            HttpResponse<String> bombed = write(service, bomb);
            assertThat(bombed.statusCode()).isEqualTo(413);
            assertThat(bombed.body()).contains("snappy header");
            assertThat(write(service, liar).statusCode()).isEqualTo(413);
            assertThat(service.post(WRITE, "application/json", valid, "Content-Encoding", "snappy",
                    "X-API-Key", KEY).statusCode()).as("wrong Content-Type").isEqualTo(415);
            assertThat(service.post(WRITE, "application/x-protobuf;proto=io.prometheus.write.v2.Request", valid,
                    "Content-Encoding", "snappy", "X-API-Key", KEY).statusCode()).as("remote_write 2.0")
                    .isEqualTo(415);
            assertThat(service.post(WRITE, RemoteWriteRequests.CONTENT_TYPE, notSnappy, "X-API-Key", KEY)
                    .statusCode()).as("no Content-Encoding").isEqualTo(415);
            assertThat(service.post(WRITE, RemoteWriteRequests.CONTENT_TYPE, valid, "Content-Encoding", "gzip",
                    "X-API-Key", KEY).statusCode()).as("gzip").isEqualTo(415);
            assertThat(service.post(WRITE, RemoteWriteRequests.CONTENT_TYPE, valid, "Content-Encoding", "snappy")
                    .statusCode()).as("no key").isEqualTo(401);
            assertThat(service.post(WRITE, RemoteWriteRequests.CONTENT_TYPE, valid, "Content-Encoding", "snappy",
                    "Authorization", "Bearer wrong-key-0123456789").statusCode()).as("wrong key").isEqualTo(401);
            assertThat(service.get(WRITE).statusCode()).isEqualTo(405);
            assertThat(service.length(service.streams.metrics())).as("nothing was stored").isZero();

            assertThat(write(service, valid).statusCode()).as("the same receivers store a valid body")
                    .isEqualTo(202);
            assertThat(service.length(service.streams.metrics())).isEqualTo(1);
        }
    }

    /**
     * 600 random bodies drawn by jqwik (random bytes raw and snappy-compressed, and a valid WriteRequest with bytes
     * overwritten before or after compression): never a 5xx, and a body answered 4xx stores nothing. Fails on the
     * first 5xx, naming the body.
     */
    @Test
    void randomBodiesNeverGiveA5xxAndA4xxStoresNothing(RedisService redis) throws Exception {
        byte[] valid = RemoteWriteRequests.protobuf(List.of(Series.of("fuzz_gauge", List.of(new Sample(1, T),
                new Sample(2, T + 1000)), "a", "b")));
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(400);
        Arbitrary<byte[]> mutated = MutatedBodies.overwritten(valid);
        Arbitrary<byte[]> bodies = Arbitraries.oneOf(random, random.map(RemoteWriteRequests::snappy),
                mutated.map(RemoteWriteRequests::snappy), mutated);
        try (ReceiversUnderTest service = start(redis, "rw-fuzz")) {
            int stored = 0;
            int refused = 0;
            for (byte[] body : bodies.sampleStream().limit(600).toList()) {
                long before = service.length(service.streams.metrics());
                HttpResponse<String> answer = write(service, body);
                long after = service.length(service.streams.metrics());
                assertThat(answer.statusCode()).as("body %s: %s", Arrays.toString(body), answer.body())
                        .isIn(200, 202, 400, 413);
                if (answer.statusCode() == 202) {
                    assertThat(after - before).isEqualTo(ReceiversUnderTest.json(answer.body()).get("accepted")
                            .asLong());
                    stored++;
                } else {
                    assertThat(after).as("a body answered %d stored nothing", answer.statusCode()).isEqualTo(before);
                    refused++;
                }
            }
            assertThat(refused).as("most random bodies are refused").isGreaterThan(300);
            assertThat(stored + refused).isEqualTo(600);
        }
    }

    /**
     * Backlog over KILLKRILL_RECEIVERS_MAX_BACKLOG: the remote_write route gets the admission's refusal, as 503 with
     * Retry-After (Prometheus 2.x drops a 429 unless retry_on_http_429 is set; it always retries a 5xx), counted as
     * reason backlog, and nothing of the refused write is stored. The native endpoint keeps its 429.
     */
    @Test
    void overTheBacklogLimitIs503WithRetryAfter(RedisService redis) throws Exception {
        try (ReceiversUnderTest service = ReceiversUnderTest.backlogLimited(redis, "rw-backlog", KEY, 8)) {
            String stream = service.streams.metrics();
            List<Sample> five = List.of(new Sample(1, T), new Sample(2, T + 1), new Sample(3, T + 2),
                    new Sample(4, T + 3), new Sample(5, T + 4));
            byte[] body = RemoteWriteRequests.body(List.of(Series.of("backlog_probe", five)));
            assertThat(write(service, body).statusCode()).isEqualTo(202);
            assertThat(write(service, body).statusCode()).isEqualTo(202);
            service.awaitBacklog(stream, 10);

            HttpResponse<String> refused = write(service, body);

            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            assertThat(refused.body()).contains(stream);
            assertThat(service.length(stream)).as("nothing of the refused write was stored").isEqualTo(10);
            assertThat(service.meter("killkrill_receivers_items_rejected_total{", "reason=\"backlog\"")).isEqualTo(1);
            assertThat(service.post("/api/v1/metrics", "application/json", "{\"name\":\"m\",\"value\":1}"
                    .getBytes(StandardCharsets.UTF_8), "X-API-Key", KEY).statusCode()).isEqualTo(429);
        }
    }

    /** As on /api/v1/metrics: a repeat with the same Idempotency-Key is replayed and stores nothing. */
    @Test
    void aRepeatWithTheSameIdempotencyKeyStoresNothing(RedisService redis) throws Exception {
        try (ReceiversUnderTest service = start(redis, "rw-idem")) {
            byte[] body = RemoteWriteRequests.body(List.of(Series.of("idem_gauge", List.of(new Sample(1, T),
                    new Sample(Double.NaN, T + 1)))));

            HttpResponse<String> first = write(service, body, "Idempotency-Key", "batch-1");
            HttpResponse<String> repeat = write(service, body, "Idempotency-Key", "batch-1");

            assertThat(first.statusCode()).isEqualTo(202);
            assertThat(repeat.statusCode()).isEqualTo(202);
            assertThat(repeat.body()).isEqualTo(first.body());
            assertThat(repeat.headers().firstValue("Idempotent-Replayed")).contains("true");
            assertThat(service.length(service.streams.metrics())).as("stored once").isEqualTo(1);
            assertThat(write(service, body, "Idempotency-Key", "batch-2").statusCode()).isEqualTo(202);
            assertThat(service.length(service.streams.metrics())).isEqualTo(2);
        }
    }
}
