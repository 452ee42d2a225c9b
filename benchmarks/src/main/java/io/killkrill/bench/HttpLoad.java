package io.killkrill.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.function.ToIntFunction;

/** HTTP load: NDJSON batches of log events or metric samples, flooded by N clients or paced at a fixed rate. */
final class HttpLoad {
    private static final String[] LEVELS = {"info", "warn", "error", "debug"};
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private HttpLoad() {
    }

    /** Log event {@code i} as the HTTP API takes it: the same content as syslog message {@code i}. */
    static String logEvent(long i, String day) {
        return String.format("{\"timestamp\":\"%sT12:%02d:%02d.%03dZ\",\"service\":\"service-%d\",\"level\":\"%s\","
                        + "\"host\":\"web-%02d\",\"message\":\"GET /api/v1/users/%d completed status=200 "
                        + "duration_ms=%d bench\"}", day, i / 60000 % 60, i / 1000 % 60, i % 1000, i % 10,
                LEVELS[(int) (i % 4)], i % 7, i, i % 997);
    }

    /** Sample {@code i}: 300 series (3 names x 100 hosts), timestamped now so every sample is on time. */
    static String metricSample(long i, Instant now) {
        String[] names = {"bench_requests_total", "bench_latency_ms", "bench_queue_depth"};
        return "{\"name\":\"" + names[(int) (i % 3)] + "\",\"labels\":{\"host\":\"h-" + (i / 3 % 100)
                + "\",\"region\":\"eu\"},\"value\":" + (i % 1000) + ",\"type\":\"gauge\",\"timestamp\":\""
                + now + "\"}";
    }

    static List<byte[]> batches(int total, int perBatch, IntFunction<String> item) {
        List<byte[]> bodies = new ArrayList<>();
        for (int start = 0; start < total; start += perBatch) {
            StringBuilder body = new StringBuilder();
            for (int i = start; i < Math.min(total, start + perBatch); i++) {
                body.append(item.apply(i)).append('\n');
            }
            bodies.add(body.toString().getBytes(StandardCharsets.UTF_8));
        }
        return bodies;
    }

    /** Request bodies, and how many items each holds (a binary body has no lines to count). */
    record Bodies(List<byte[]> bodies, java.util.Map<byte[], Integer> items) {
        int itemsIn(byte[] body) {
            return items.get(body);
        }

        /** NDJSON bodies: one item per line. */
        static Bodies lines(List<byte[]> bodies) {
            java.util.Map<byte[], Integer> items = new java.util.IdentityHashMap<>();
            bodies.forEach(b -> items.put(b, HttpLoad.itemsIn(b)));
            return new Bodies(bodies, items);
        }
    }

    /** What a load run achieved: items accepted (202; 200 on OTLP and the bulk API) and requests answered 429/503 and re-sent. */
    record Outcome(long accepted, long retried) {
    }

    static final String[] NDJSON = {"Content-Type", "application/x-ndjson"};

    static Outcome flood(URI endpoint, List<byte[]> bodies, int itemsPerBody, int clients) throws Exception {
        return flood(endpoint, bodies, body -> Math.min(itemsPerBody, itemsIn(body)), clients, NDJSON);
    }

    /**
     * Posts every body once accepted, {@code clients} at a time, with {@code headers}; 429/503 are re-sent after
     * 20 ms; {@code itemsIn} says how many items an accepted body counts.
     */
    static Outcome flood(URI endpoint, List<byte[]> bodies, ToIntFunction<byte[]> itemsIn, int clients,
                         String... headers) throws Exception {
        AtomicInteger next = new AtomicInteger();
        AtomicLong accepted = new AtomicLong();
        AtomicLong retried = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        List<Exception> failures = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            Thread client = new Thread(() -> {
                try {
                    for (int b = next.getAndIncrement(); b < bodies.size(); b = next.getAndIncrement()) {
                        while (true) {
                            int status = post(endpoint, bodies.get(b), headers);
                            if (status == 202 || status == 200) { // 200: OTLP's answer once stored
                                accepted.addAndGet(itemsIn.applyAsInt(bodies.get(b)));
                                break;
                            }
                            if (status != 429 && status != 503) {
                                throw new IllegalStateException("stage=load POST " + endpoint + " answered " + status);
                            }
                            retried.incrementAndGet();
                            TimeUnit.MILLISECONDS.sleep(20); // back off as a client would on 429/503
                        }
                    }
                } catch (Exception e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            }, "http-flood");
            client.start();
            threads.add(client);
        }
        for (Thread t : threads) {
            t.join();
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("stage=load HTTP flood failed", failures.get(0));
        }
        return new Outcome(accepted.get(), retried.get());
    }

    private static int itemsIn(byte[] body) {
        int lines = 0;
        for (byte b : body) {
            if (b == '\n') {
                lines++;
            }
        }
        return lines;
    }

    static int post(URI endpoint, byte[] body) throws Exception {
        return post(endpoint, body, NDJSON);
    }

    static int post(URI endpoint, byte[] body, String... headers) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(60)).headers(headers)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** Posts a batch of {@code perBatch} items every {@code perBatch / rate} seconds until closed. */
    static final class Paced implements AutoCloseable {
        final AtomicLong accepted = new AtomicLong();
        final AtomicLong refused = new AtomicLong();
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "http-paced");
            t.setDaemon(true);
            return t;
        });
        private final AtomicLong batchNumber = new AtomicLong();

        Paced(URI endpoint, int ratePerSecond, int perBatch, java.util.function.LongFunction<String> item) {
            long periodMicros = 1_000_000L * perBatch / ratePerSecond;
            timer.scheduleAtFixedRate(() -> {
                long b = batchNumber.getAndIncrement();
                StringBuilder body = new StringBuilder();
                for (long i = b * perBatch; i < (b + 1) * perBatch; i++) {
                    body.append(item.apply(i)).append('\n');
                }
                HTTP.sendAsync(HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(60))
                                .header("Content-Type", "application/x-ndjson")
                                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                        HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
                    if (error == null && response.statusCode() == 202) {
                        accepted.addAndGet(perBatch);
                    } else {
                        refused.addAndGet(perBatch);
                    }
                });
            }, 0, periodMicros, TimeUnit.MICROSECONDS);
        }

        @Override
        public void close() throws InterruptedException {
            timer.shutdown();
            timer.awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}
