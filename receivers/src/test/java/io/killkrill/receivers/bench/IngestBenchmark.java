package io.killkrill.receivers.bench;

import io.killkrill.config.StreamNames;
import io.killkrill.receivers.Receivers;
import io.killkrill.receivers.ReceiversConfig;
import redis.clients.jedis.Jedis;

import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Throughput benchmark, not a test: msg/s into Redis for syslog over TCP and for HTTP NDJSON batches, against a
 * redis-server of its own (so the shared one is not filled). Run:
 * {@code java -cp <test classpath> io.killkrill.receivers.bench.IngestBenchmark [syslogMessages] [httpEvents]}.
 */
public final class IngestBenchmark {
    private IngestBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int syslogMessages = args.length > 0 ? Integer.parseInt(args[0]) : 400_000;
        int httpEvents = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Process redis = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--save", "",
                "--appendonly", "no", "--dir", Files.createTempDirectory("bench-redis").toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try (Jedis jedis = await(port)) {
            StreamNames streams = StreamNames.prefixed("bench:");
            ReceiversConfig config = ReceiversConfig.forTest(URI.create("redis://127.0.0.1:" + port), streams)
                    .withLimits(64L * 1024 * 1024, 100_000, 64 * 1024, Integer.MAX_VALUE);
            try (Receivers receivers = Receivers.start(config)) {
                System.out.println("warm-up (JIT) round:");
                syslog(receivers.ports().syslogTcp(), syslogMessages / 4, jedis, streams.logs());
                jedis.del(streams.logs());
                http(receivers.ports().http(), httpEvents / 4, jedis, streams.logs());
                jedis.del(streams.logs());
                System.out.println("measured round:");
                syslog(receivers.ports().syslogTcp(), syslogMessages, jedis, streams.logs());
                jedis.del(streams.logs());
                http(receivers.ports().http(), httpEvents, jedis, streams.logs());
            }
        } finally {
            redis.destroy();
            redis.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static Jedis await(int port) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            try {
                Jedis jedis = new Jedis("127.0.0.1", port);
                jedis.ping();
                return jedis;
            } catch (RuntimeException e) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("redis-server did not start");
    }

    private static void syslog(int port, int total, Jedis jedis, String stream) throws Exception {
        int connections = 4;
        int perConnection = total / connections;
        List<byte[]> payloads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            StringBuilder text = new StringBuilder(perConnection * 90);
            for (int i = 0; i < perConnection; i++) {
                text.append("<14>1 2026-11-25T17:54:51.123Z web-").append(c)
                        .append(" bench 42 - - benchmark message number ").append(i).append('\n');
            }
            payloads.add(text.toString().getBytes(StandardCharsets.US_ASCII));
        }
        long start = System.nanoTime();
        List<Thread> senders = new ArrayList<>();
        for (byte[] payload : payloads) {
            Thread t = new Thread(() -> {
                try (Socket socket = new Socket("127.0.0.1", port); OutputStream out = socket.getOutputStream()) {
                    out.write(payload);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            t.start();
            senders.add(t);
        }
        for (Thread t : senders) {
            t.join();
        }
        long expected = (long) perConnection * connections;
        while (jedis.xlen(stream) < expected) {
            Thread.sleep(20);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("syslog TCP: %d messages over %d connections stored in %.2f s = %.0f msg/s%n",
                expected, connections, seconds, expected / seconds);
    }

    private static void http(int port, int total, Jedis jedis, String stream) throws Exception {
        int batch = 1000;
        int requests = total / batch;
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < batch; i++) {
            body.append("{\"message\":\"benchmark event ").append(i)
                    .append("\",\"service\":\"bench\",\"level\":\"info\",\"host\":\"web-1\"}\n");
        }
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        HttpClient client = HttpClient.newHttpClient();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        AtomicInteger accepted = new AtomicInteger();
        long start = System.nanoTime();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int r = 0; r < requests; r++) {
            all.add(CompletableFuture.runAsync(() -> {
                try {
                    HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + port + "/api/v1/logs"))
                            .header("Content-Type", "application/x-ndjson")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() == 202) {
                        accepted.addAndGet(batch);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, pool));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        System.out.printf("HTTP NDJSON: %d events (%d requests of %d, 8 concurrent) accepted in %.2f s = %.0f msg/s;"
                + " XLEN %d%n", accepted.get(), requests, batch, seconds, accepted.get() / seconds, jedis.xlen(stream));
    }
}
