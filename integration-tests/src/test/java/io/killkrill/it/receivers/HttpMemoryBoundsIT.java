package io.killkrill.it.receivers;

import io.killkrill.config.StreamNames;
import io.killkrill.it.support.PipelineProcesses;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.it.support.ServiceJar;
import io.killkrill.it.support.ServiceProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Bounded memory for request bodies (issue 13, item 7: twenty connections sending only the headers of a request
 * announcing {@code Content-Length: 10485760} ran the receivers out of heap at the then shipped {@code -Xmx256m}).
 * The receivers run from their jar with the shipped JVM options (deploy/jvm/receivers.options, with
 * {@code -XX:+ExitOnOutOfMemoryError}), so an OutOfMemoryError kills the process instead of leaving it limping;
 * the shipped body limit (10 MiB) and memory budget, and a short body timeout (3 s, so the test takes seconds, not
 * minutes).
 *
 * <p>Load: 2,000 connections send headers announcing a maximum-size body and nothing more, half with a key, half
 * without; while they hang, a small request is sent; then 50 connections each post a maximum-size body (10,000
 * events, 10 MB), 25 as fast as they can and 25 at 4 KB/s. Proof: the process is alive after each phase and
 * ready at the end, its log holds no OutOfMemoryError, every answer is one of 202, 401, 408, 413, 429 or 503,
 * each of the 2,000 got an answer, and the small request got 202. The heap used (largest value of the JVM's own
 * heap gauges seen on /metrics, polled every 100 ms) and the answers by status are printed. Run with
 * {@code -Dkillkrill.memoryIt.budget=64GiB} (no budget to speak of), it fails: the receivers die of
 * OutOfMemoryError during the maximum-size bodies. Sizes: {@code -Dkillkrill.memoryIt.connections},
 * {@code -Dkillkrill.memoryIt.posts}.
 */
@ExtendWith(RedisExtension.class)
class HttpMemoryBoundsIT {
    private static final String KEY = "memory-bounds-key-0123456789";
    private static final long MAX_BODY = 10L * 1024 * 1024;
    private static final Set<Integer> ALLOWED = Set.of(202, 401, 408, 413, 429, 503);
    private static final int HANGING = Integer.getInteger("killkrill.memoryIt.connections", 2000);
    private static final int POSTING = Integer.getInteger("killkrill.memoryIt.posts", 50);
    private static final Pattern HEAP = Pattern.compile(
            "^jvm_memory_used_bytes\\{area=\"heap\",id=\"([^\"]+)\"[^}]*} (\\S+)$", Pattern.MULTILINE);
    private static final Pattern BUDGET = Pattern.compile("^killkrill_receivers_http_body_budget_used_bytes (\\S+)$",
            Pattern.MULTILINE);

    private PipelineProcesses pipeline;
    private ServiceProcess receivers;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start(RedisService redis) {
        StreamNames streams = StreamNames.prefixed(RedisService.uniquePrefix("memory"));
        pipeline = new PipelineProcesses(new PipelineProcesses.Stores(redis.uri(), URI.create("http://127.0.0.1:9"),
                "jdbc:postgresql://127.0.0.1:9/unused", "unused", "unused"), streams, "unused", "unused");
        Map<String, String> env = new java.util.HashMap<>(Map.of(
                "KILLKRILL_HTTP_API_KEYS", KEY,
                "KILLKRILL_HTTP_BODY_TIMEOUT", "3s",
                "KILLKRILL_HTTP_IDLE_TIMEOUT", "10s"));
        // -Dkillkrill.memoryIt.budget=64GiB shows the test failing without a budget (the process dies of OOM)
        String budget = System.getProperty("killkrill.memoryIt.budget");
        if (budget != null) {
            env.put("KILLKRILL_HTTP_MEMORY_BUDGET", budget);
        }
        receivers = pipeline.receivers(env);
        receivers.start().awaitReady();
        this.redis = redis;
    }

    private RedisService redis;

    @AfterEach
    void stop() {
        pipeline.close();
        redis.client().del(pipeline.streams().logs());
    }

    private String head(boolean keyed, long length) {
        return "POST /api/v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
                + (keyed ? "X-API-Key: " + KEY + "\r\n" : "") + "Content-Length: " + length + "\r\n\r\n";
    }

    private static byte[] maximumBody() {
        StringBuilder body = new StringBuilder();
        String pad = "x".repeat(980);
        for (int i = 0; i < 10_000; i++) {
            body.append("{\"message\":\"m-").append(i).append(pad).append("\",\"service\":\"memory\"}\n");
        }
        assertThat((long) body.length()).as("body size").isLessThanOrEqualTo(MAX_BODY);
        return body.toString().getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void theReceiversSurviveHangingAndMaximumBodiesAtTheShippedHeap() throws Exception {
        Map<Integer, Integer> answers = new ConcurrentHashMap<>();
        AtomicLong maxHeap = new AtomicLong();
        AtomicLong maxBudget = new AtomicLong();
        AtomicBoolean polling = new AtomicBoolean(true);
        Thread poller = new Thread(() -> poll(polling, maxHeap, maxBudget), "metrics-poller");
        poller.start();
        long started = System.nanoTime();
        try {
            // phase 1: headers announcing a maximum-size body, then nothing
            List<Socket> hanging = new ArrayList<>();
            for (int i = 0; i < HANGING; i++) {
                Socket socket = new Socket("127.0.0.1", pipeline.httpPort());
                socket.setSoTimeout(20_000);
                socket.getOutputStream().write(head(i % 2 == 0, MAX_BODY).getBytes(StandardCharsets.US_ASCII));
                hanging.add(socket);
            }
            assertThat(receivers.alive()).as("receivers alive with %d hanging bodies", HANGING).isTrue();
            HttpResponse<String> small = http.send(HttpRequest.newBuilder(pipeline.receiversUri("/api/v1/logs"))
                    .header("X-API-Key", KEY).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"small\",\"service\":\"memory\"}"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(small.statusCode()).as("the small request in between: %s", small.body()).isEqualTo(202);
            for (Socket socket : hanging) {
                try (socket) {
                    count(answers, RawHttpResponse.read(socket.getInputStream()).status());
                }
            }
            assertThat(answers.values().stream().mapToInt(Integer::intValue).sum())
                    .as("every hanging connection was answered").isEqualTo(HANGING);
            assertThat(receivers.alive()).as("receivers alive after the hanging connections").isTrue();

            // phase 2: maximum-size bodies, fast and slow
            byte[] body = maximumBody();
            ExecutorService clients = Executors.newFixedThreadPool(POSTING);
            try {
                List<Future<Integer>> posts = new ArrayList<>();
                for (int i = 0; i < POSTING; i++) {
                    boolean slow = i % 2 == 1;
                    posts.add(clients.submit(() -> post(body, slow)));
                }
                for (Future<Integer> post : posts) {
                    count(answers, post.get());
                }
            } finally {
                clients.shutdownNow();
            }
            assertThat(receivers.alive()).as("receivers alive after the maximum-size bodies").isTrue();
            await("receivers ready after the load").atMost(Duration.ofSeconds(10)).until(receivers::readyNow);
        } finally {
            polling.set(false);
            poller.join();
            System.out.printf("HttpMemoryBoundsIT: %s, %d hanging + %d posting connections, %.1f s; answers by "
                            + "status %s; heap used at most %.1f MiB; budget used at most %.1f MiB%n",
                    String.join(" ", ServiceJar.shippedOptions("receivers")), HANGING, POSTING,
                    (System.nanoTime() - started) / 1e9, new TreeMap<>(answers), maxHeap.get() / 1048576.0,
                    maxBudget.get() / 1048576.0);
        }
        assertThat(answers.keySet()).as("statuses answered").isSubsetOf(ALLOWED);
        assertThat(answers).containsKeys(401, 503);
        assertThat(receivers.output()).doesNotContain("java.lang.OutOfMemoryError");
    }

    private static void count(Map<Integer, Integer> answers, int status) {
        answers.merge(status, 1, Integer::sum);
    }

    /** Posts a body whole (fast) or at 4 KB/s until the receivers answer; returns the status. */
    private Integer post(byte[] body, boolean slow) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", pipeline.httpPort())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(head(true, body.length).getBytes(StandardCharsets.US_ASCII));
            int step = slow ? 1024 : 256 * 1024;
            try {
                for (int at = 0; at < body.length && (!slow || in.available() == 0); at += step) {
                    out.write(body, at, Math.min(step, body.length - at));
                    if (slow) {
                        pace();
                    }
                }
            } catch (IOException closedWhileSending) {
                // answered and closed while the body was still going out: the answer is read below
            }
            return RawHttpResponse.read(in).status();
        }
    }

    /** 1 KiB every 250 ms is 4 KB/s; a paced write, not a wait for a condition. */
    private static void pace() {
        java.util.concurrent.locks.LockSupport.parkNanos(250_000_000L);
    }

    private void poll(AtomicBoolean polling, AtomicLong maxHeap, AtomicLong maxBudget) {
        while (polling.get()) {
            try {
                String text = http.send(HttpRequest.newBuilder(pipeline.receiversUri("/metrics"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).body();
                long heap = 0;
                Matcher m = HEAP.matcher(text);
                while (m.find()) {
                    heap += (long) Double.parseDouble(m.group(2));
                }
                maxHeap.accumulateAndGet(heap, Math::max);
                Matcher b = BUDGET.matcher(text);
                if (b.find()) {
                    maxBudget.accumulateAndGet((long) Double.parseDouble(b.group(1)), Math::max);
                }
            } catch (IOException e) {
                // busy or refusing: the next poll tries again
            } catch (InterruptedException e) {
                return;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L);
        }
    }
}
