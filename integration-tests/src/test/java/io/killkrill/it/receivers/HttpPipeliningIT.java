package io.killkrill.it.receivers;

import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * HTTP/1.1 pipelining against the real receivers and Redis (issue 13: a pipeline of five got two answers, {@code
 * [400, 415]}, while the valid requests were stored; a keyed request followed by an unkeyed one got 401 and was
 * stored). A raw socket writes 50 requests back to back in one write before reading anything: valid, unkeyed,
 * wrongly keyed, malformed, too many items, wrong media type, mixed. Every item carries a unique marker. Proof:
 * exactly 50 answers arrive, their statuses equal the expected sequence (so they are in request order: the
 * statuses of neighbours differ), and the markers in the stream are exactly those of the items the 202 answers
 * reported accepted, none of a refused request.
 */
@ExtendWith(RedisExtension.class)
class HttpPipeliningIT {
    private static final String KEY = "pipelining-key-0123456789";
    private ReceiversUnderTest service;

    @BeforeEach
    void start(RedisService redis) throws Exception {
        service = ReceiversUnderTest.start(redis, "pipelining",
                c -> c.withLimits(64 * 1024, 10, 64 * 1024, 1_000_000).withApiKeys(List.of(KEY)));
    }

    @AfterEach
    void stop() {
        service.close();
    }

    private record Planned(String request, int status, List<String> storedMarkers) {
    }

    private static String event(String marker) {
        return "{\"message\":\"" + marker + "\",\"service\":\"pipe\"}";
    }

    private static String post(String headers, String contentType, String body) {
        return "POST /api/v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: " + contentType + "\r\n" + headers
                + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }

    private static Planned plan(int i) {
        String key = "X-API-Key: " + KEY + "\r\n";
        String m = "pipe-" + i;
        return switch (i % 7) {
            case 0 -> new Planned(post(key, "application/json", "[" + event(m + "-a") + "," + event(m + "-b") + "]"),
                    202, List.of(m + "-a", m + "-b"));
            case 1 -> new Planned(post("", "application/json", event(m)), 401, List.of());
            case 2 -> new Planned(post("Authorization: Bearer not-" + KEY + "\r\n", "application/x-ndjson",
                    event(m)), 401, List.of());
            case 3 -> new Planned(post(key, "application/json", "[" + event(m) + ",{broken"), 400, List.of());
            case 4 -> new Planned(post(key, "application/x-ndjson", (event(m) + "\n").repeat(11)), 413, List.of());
            case 5 -> new Planned(post(key, "text/csv", event(m)), 415, List.of());
            default -> new Planned(post(key, "application/x-ndjson", event(m) + "\n{\"service\":\"pipe\"}\n"), 202,
                    List.of(m));
        };
    }

    @Test
    void fiftyPipelinedRequestsGetFiftyAnswersInOrderAndOnlyAcceptedItemsAreStored() throws IOException {
        List<Planned> plan = new ArrayList<>();
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            plan.add(plan(i));
            all.append(plan.get(i).request());
        }
        List<Integer> statuses = new ArrayList<>();
        int acceptedReported = 0;
        try (Socket socket = new Socket("127.0.0.1", service.receivers.ports().http())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(all.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            for (int i = 0; i < 50; i++) {
                RawHttpResponse response = RawHttpResponse.read(in);
                statuses.add(response.status());
                if (response.status() == 202) {
                    acceptedReported += ReceiversUnderTest.json(response.body()).get("accepted").asInt();
                }
                assertThat(response.closes()).as("answer %d keeps the connection", i).isFalse();
            }
        }

        assertThat(statuses).containsExactlyElementsOf(plan.stream().map(Planned::status).toList());
        Set<String> expected = new HashSet<>();
        plan.forEach(p -> expected.addAll(p.storedMarkers()));
        assertThat(acceptedReported).isEqualTo(expected.size());
        await("the stream holds the " + expected.size() + " accepted items").atMost(Duration.ofSeconds(10))
                .until(() -> service.length(service.streams.logs()) >= expected.size());
        List<String> stored = service.events(service.streams.logs()).stream()
                .map(e -> e.get("message").asText()).toList();
        assertThat(stored).doesNotHaveDuplicates();
        assertThat(new HashSet<>(stored)).isEqualTo(expected);
    }
}
