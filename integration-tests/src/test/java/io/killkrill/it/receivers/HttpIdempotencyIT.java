package io.killkrill.it.receivers;

import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Idempotency-Key on the HTTP endpoints (issue 13, item 2), against the real Redis: the first request with a key
 * stores its items and its answer in one step; a repeat stores nothing and gets the same status and body with
 * {@code Idempotent-Replayed: true}; a repeat while the first is in flight gets 409; keys are scoped per API key
 * and per endpoint. Each test counts the stream's entries, so a repeat that stored anything fails it.
 */
@ExtendWith(RedisExtension.class)
class HttpIdempotencyIT {
    private static final String KEY_A = "tenant-a-0123456789abcdef";
    private static final String KEY_B = "tenant-b-0123456789abcdef";
    private static final byte[] THREE = ("{\"message\":\"one\",\"service\":\"s\"}\n{\"message\":\"two\",\"service\":\"s\"}\n"
            + "{\"message\":\"three\",\"service\":\"s\",\"level\":\"nope\"}").getBytes(StandardCharsets.UTF_8);

    private static HttpResponse<String> post(ReceiversUnderTest service, String path, String apiKey, String key) {
        return service.post(path, "application/x-ndjson", THREE, "X-API-Key", apiKey, "Idempotency-Key", key);
    }

    @Test
    void aRepeatWithTheSameKeyStoresNothingAndGetsTheSameAnswer(RedisService redis) throws Exception {
        try (ReceiversUnderTest service = ReceiversUnderTest.start(redis, "idem-repeat",
                c -> c.withApiKeys(List.of(KEY_A)))) {
            HttpResponse<String> first = post(service, "/api/v1/logs", KEY_A, "order-42");
            assertThat(first.statusCode()).isEqualTo(202);
            assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();
            assertThat(service.length(service.streams.logs())).isEqualTo(2);

            for (int i = 0; i < 3; i++) {
                HttpResponse<String> repeat = post(service, "/api/v1/logs", KEY_A, "order-42");
                assertThat(repeat.statusCode()).isEqualTo(202);
                assertThat(repeat.body()).as("the original body, per-item errors included").isEqualTo(first.body());
                assertThat(repeat.headers().firstValue("Idempotent-Replayed")).contains("true");
            }
            assertThat(service.length(service.streams.logs())).as("the repeats stored nothing").isEqualTo(2);

            assertThat(post(service, "/api/v1/logs", KEY_A, "order-43").statusCode()).isEqualTo(202);
            assertThat(service.length(service.streams.logs())).as("another key is another request").isEqualTo(4);
        }
    }

    @Test
    void keysAreScopedPerApiKeyAndPerEndpoint(RedisService redis) throws Exception {
        try (ReceiversUnderTest service = ReceiversUnderTest.start(redis, "idem-scope",
                c -> c.withApiKeys(List.of(KEY_A, KEY_B)))) {
            assertThat(post(service, "/api/v1/logs", KEY_A, "same").statusCode()).isEqualTo(202);
            HttpResponse<String> otherTenant = post(service, "/api/v1/logs", KEY_B, "same");
            assertThat(otherTenant.statusCode()).isEqualTo(202);
            assertThat(otherTenant.headers().firstValue("Idempotent-Replayed")).as("another tenant's key").isEmpty();
            assertThat(service.length(service.streams.logs())).isEqualTo(4);

            HttpResponse<String> metrics = service.post("/api/v1/metrics", "application/json",
                    "{\"name\":\"m\",\"value\":1}".getBytes(StandardCharsets.UTF_8), "X-API-Key", KEY_A,
                    "Idempotency-Key", "same");
            assertThat(metrics.statusCode()).isEqualTo(202);
            assertThat(metrics.headers().firstValue("Idempotent-Replayed")).as("another endpoint").isEmpty();
            assertThat(service.length(service.streams.metrics())).isEqualTo(1);
            assertThat(service.redis.keys(service.streams.logs() + ":idempotency:*")).as("the keys, without the API keys")
                    .hasSize(3).allSatisfy(k -> assertThat(k).doesNotContain(KEY_A).doesNotContain(KEY_B));
        }
    }

    @Test
    void anInvalidKeyIsA400AndStoresNothing(RedisService redis) throws Exception {
        try (ReceiversUnderTest service = ReceiversUnderTest.start(redis, "idem-invalid", c -> c)) {
            for (String key : List.of("x".repeat(256), "with space", "tab\there")) {
                HttpResponse<String> answer = service.post("/api/v1/logs", "application/x-ndjson", THREE,
                        "Idempotency-Key", key);
                assertThat(answer.statusCode()).as("key %s", key).isEqualTo(400);
                assertThat(answer.body()).contains("Idempotency-Key");
            }
            assertThat(service.length(service.streams.logs())).isZero();
            assertThat(service.post("/api/v1/logs", "application/x-ndjson", THREE, "Idempotency-Key",
                    "x".repeat(255)).statusCode()).as("255 visible characters are fine").isEqualTo(202);
        }
    }

    /**
     * The first request sends its headers and half its body and waits; a repeat with the same key meanwhile gets
     * 409 and stores nothing; the first, completed, gets 202; a repeat after it is replayed.
     */
    @Test
    void aRepeatWhileTheFirstIsInFlightGets409(RedisService redis) throws Exception {
        try (ReceiversUnderTest service = ReceiversUnderTest.start(redis, "idem-inflight", c -> c);
             Socket slow = new Socket("127.0.0.1", service.receivers.ports().http())) {
            OutputStream out = slow.getOutputStream();
            out.write(("POST /api/v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
                    + "Idempotency-Key: slow-1\r\nContent-Length: " + THREE.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(THREE, 0, 10);
            out.flush();
            await("the first request claimed its key").atMost(Duration.ofSeconds(10))
                    .until(() -> !service.redis.keys(service.streams.logs() + ":idempotency:*slow-1").isEmpty());

            HttpResponse<String> repeat = service.post("/api/v1/logs", "application/x-ndjson", THREE,
                    "Idempotency-Key", "slow-1");
            assertThat(repeat.statusCode()).isEqualTo(409);
            assertThat(repeat.headers().firstValue("Retry-After")).isPresent();
            assertThat(service.length(service.streams.logs())).isZero();

            out.write(THREE, 10, THREE.length - 10);
            out.flush();
            InputStream in = slow.getInputStream();
            byte[] head = new byte[12];
            assertThat(in.readNBytes(head, 0, 12)).isEqualTo(12);
            assertThat(new String(head, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 202");
            assertThat(service.length(service.streams.logs())).isEqualTo(2);

            HttpResponse<String> after = service.post("/api/v1/logs", "application/x-ndjson", THREE,
                    "Idempotency-Key", "slow-1");
            assertThat(after.statusCode()).isEqualTo(202);
            assertThat(after.headers().firstValue("Idempotent-Replayed")).contains("true");
            assertThat(service.length(service.streams.logs())).isEqualTo(2);
        }
    }

    /** A request refused as a whole (every item invalid: 400) releases its key: the corrected retry is stored. */
    @Test
    void aRefusedRequestReleasesItsKey(RedisService redis) throws Exception {
        try (ReceiversUnderTest service = ReceiversUnderTest.start(redis, "idem-release", c -> c)) {
            HttpResponse<String> invalid = service.post("/api/v1/logs", "application/json",
                    "{\"message\":\"no service\"}".getBytes(StandardCharsets.UTF_8), "Idempotency-Key", "fix-me");
            assertThat(invalid.statusCode()).isEqualTo(400);
            HttpResponse<String> fixed = service.post("/api/v1/logs", "application/json",
                    "{\"message\":\"m\",\"service\":\"s\"}".getBytes(StandardCharsets.UTF_8), "Idempotency-Key",
                    "fix-me");
            assertThat(fixed.statusCode()).isEqualTo(202);
            assertThat(fixed.headers().firstValue("Idempotent-Replayed")).isEmpty();
            assertThat(service.length(service.streams.logs())).isEqualTo(1);
        }
    }
}
