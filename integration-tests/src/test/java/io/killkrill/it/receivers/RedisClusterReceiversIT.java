package io.killkrill.it.receivers;

import dev.failsafe.Failsafe;
import dev.failsafe.RetryPolicy;
import io.killkrill.config.RedisEndpoint;
import io.killkrill.config.ReplicaAcks;
import io.killkrill.config.StreamNames;
import io.killkrill.it.support.OwnRedisCluster;
import io.killkrill.it.support.RedisService;
import io.killkrill.model.StreamEntry;
import io.killkrill.receivers.Receivers;
import io.killkrill.receivers.ReceiversConfig;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.JedisCluster;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 17 item 3, the receivers on a real Redis Cluster ({@link OwnRedisCluster}: 3 masters, 3 replicas) with
 * {@code KILLKRILL_STREAM_SHARDS=4} and {@code KILLKRILL_REDIS_MIN_REPLICA_ACKS=1}: four clients send 2,000 log events
 * in requests of 25, each with an Idempotency-Key of its own, retrying 503, 409 and cut connections. A third of the
 * way in, the master holding shard 0 is SIGKILLed; its replica takes over the slot, and, once the killed node has
 * rejoined as its replica (until then the shard has no replica to acknowledge, so the receivers refuse), every
 * request ends 202.
 *
 * <p>How it reconciles: the test reads the four shards' streams on the cluster; every acknowledged event is there
 * exactly once (2,000 distinct messages in 2,000 entries: nothing lost, nothing twice), each request whole in one
 * shard, and every shard holds some.
 */
class RedisClusterReceiversIT {
    private static final int SHARDS = 4;
    private static final int PER_REQUEST = 25;
    private static final int REQUESTS = 80;
    private static final int CLIENTS = 4;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void aMasterKilledMidRunLosesNoAcknowledgedEventAndStoresNoneTwice() throws Exception {
        try (OwnRedisCluster cluster = new OwnRedisCluster(); JedisCluster client = cluster.client()) {
            StreamNames streams = StreamNames.prefixed(RedisService.uniquePrefix("cluster-receivers"))
                    .withShards(SHARDS);
            List<RedisEndpoint.Address> nodes = Arrays.stream(cluster.nodes().split(","))
                    .map(a -> new RedisEndpoint.Address(a.split(":")[0], Integer.parseInt(a.split(":")[1])))
                    .toList();
            ReceiversConfig config = ReceiversConfig.forTest(URI.create("redis://unused:1"), streams)
                    .withStreams(streams).withRedis(new RedisEndpoint.Cluster(nodes))
                    .withReplicaAcks(new ReplicaAcks(1, Duration.ofMillis(500)));
            String run = "cluster-" + System.nanoTime();
            try (Receivers receivers = Receivers.start(config)) {
                URI logs = URI.create("http://127.0.0.1:" + receivers.ports().http() + "/api/v1/logs");
                AtomicInteger next = new AtomicInteger();
                AtomicInteger answered = new AtomicInteger();
                CompletableFuture<Void> killPoint = new CompletableFuture<>();
                ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
                try {
                    List<CompletableFuture<Void>> done = new ArrayList<>();
                    for (int c = 0; c < CLIENTS; c++) {
                        done.add(CompletableFuture.runAsync(() -> {
                            int request;
                            while ((request = next.getAndIncrement()) < REQUESTS) {
                                HttpResponse<String> answer = post(logs, body(run, request), run + "-" + request);
                                assertThat(answer.statusCode()).as("request %d: %s", request, answer.body())
                                        .isEqualTo(202);
                                if (answered.incrementAndGet() == REQUESTS / 3) {
                                    killPoint.complete(null);
                                }
                            }
                        }, clients));
                    }
                    killPoint.get(2, TimeUnit.MINUTES);
                    String shard0 = streams.shard(0).logs();
                    int killed = cluster.killMasterOf(shard0);
                    int promoted = cluster.awaitPromotion(shard0, killed, Duration.ofSeconds(60));
                    cluster.restart(killed);
                    CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(3, TimeUnit.MINUTES);
                    System.out.printf("RedisClusterReceiversIT: master of %s on port %d SIGKILLed after %d of %d "
                            + "requests, port %d took over; 2xx for all %d requests%n", shard0, killed,
                            REQUESTS / 3, REQUESTS, promoted, REQUESTS);
                } finally {
                    clients.shutdownNow();
                }
            }

            Map<String, Integer> copies = new HashMap<>();
            List<Long> perShard = new ArrayList<>();
            for (StreamNames shard : streams.allShards()) {
                var entries = client.xrange(shard.logs(), "-", "+");
                perShard.add((long) entries.size());
                for (var entry : entries) {
                    String message = ReceiversUnderTest.json(entry.getFields().get(StreamEntry.DATA))
                            .path("message").asText();
                    copies.merge(message, 1, Integer::sum);
                }
            }
            assertThat(copies).as("every acknowledged event stored").hasSize(REQUESTS * PER_REQUEST);
            assertThat(copies.values()).as("none twice").allMatch(n -> n == 1);
            assertThat(perShard).as("every shard holds whole requests").allMatch(n -> n > 0 && n % PER_REQUEST == 0);
        }
    }

    private static String body(String run, int request) {
        StringBuilder lines = new StringBuilder();
        for (int i = request * PER_REQUEST; i < (request + 1) * PER_REQUEST; i++) {
            lines.append("{\"message\":\"").append(run).append('-').append(i).append("\",\"service\":\"s\"}\n");
        }
        return lines.toString();
    }

    /** As a real client: 503, 409 and a failed connection retried with backoff for up to two minutes. */
    private HttpResponse<String> post(URI uri, String body, String key) {
        RetryPolicy<HttpResponse<String>> retry = RetryPolicy.<HttpResponse<String>>builder()
                .handle(IOException.class)
                .handleResultIf(r -> r.statusCode() == 503 || r.statusCode() == 409)
                .withBackoff(Duration.ofMillis(50), Duration.ofSeconds(1)).withJitter(0.25)
                .withMaxRetries(-1).withMaxDuration(Duration.ofMinutes(2)).build();
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-ndjson").header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return Failsafe.with(retry).get(() -> http.send(request, HttpResponse.BodyHandlers.ofString()));
    }
}
