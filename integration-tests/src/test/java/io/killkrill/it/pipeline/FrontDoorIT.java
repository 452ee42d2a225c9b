package io.killkrill.it.pipeline;

import co.elastic.clients.elasticsearch.core.SearchResponse;
import dev.failsafe.Failsafe;
import dev.failsafe.RetryPolicy;
import io.killkrill.it.receivers.RelpClient;
import io.killkrill.it.support.OwnRedis;
import io.killkrill.it.support.PipelineProcesses;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The front door under Redis failures (issue 13, acceptance): the whole pipeline on a redis-server of the test's
 * own with {@code appendonly yes}, which the tests SIGKILL or put at {@code maxmemory}.
 *
 * <p>How the tests reconcile: every HTTP attempt's items carry the attempt in {@code attributes.attempt}
 * ({@code r<request>a<try>}); {@link #indexedPerAttempt} counts the indexed documents per attempt with an exact terms
 * aggregation. An attempt answered 202 must have all its items indexed once; an attempt answered anything else must
 * have none. Syslog lines carry their number in the message, so a missing or doubled one shows in
 * {@link #indexedMessages} and {@link #duplicateMessages}.
 */
class FrontDoorIT extends PipelineScenario {
    /** Items per request; {@code -Dkillkrill.frontdoor.items=1000} for the full size (200 x 1,000). */
    private static final int ITEMS = Integer.getInteger("killkrill.frontdoor.items", 100);
    private static final int REQUESTS = 200;

    private OwnRedis own;

    @Override
    protected PipelineProcesses.Stores stores() throws Exception {
        own = new OwnRedis(true);
        owned.add(own);
        jedis = own.client;
        return PipelineProcesses.Stores.of(redis, elasticsearch, postgres).withRedis(own.uri());
    }

    @Override
    protected void startServices() throws Exception {
        receivers = pipeline.receivers(Map.of("KILLKRILL_RELP_PORT", Integer.toString(pipeline.relpPort())));
        logWorkers.add(pipeline.logWorker("lw-1", Map.of()));
        PipelineProcesses.startAll(receivers, logWorkers.get(0));
    }

    /** One attempt of one request, as its client saw it: the status, or -1 when no answer came. */
    private record Attempt(int request, int attempt, int status) {
        String marker() {
            return "r" + request + "a" + attempt;
        }
    }

    private static String body(String run, int request, int attempt) {
        StringBuilder ndjson = new StringBuilder();
        for (int i = 0; i < ITEMS; i++) {
            ndjson.append("{\"message\":\"").append(run).append("-r").append(request).append("-").append(i)
                    .append("\",\"service\":\"").append(run).append("\",\"attributes\":{\"attempt\":\"r")
                    .append(request).append('a').append(attempt).append("\"}}\n");
        }
        return ndjson.toString();
    }

    /** POSTs once; -1 when the connection failed or timed out. */
    private int postOnce(String body, Optional<String> idempotencyKey) {
        HttpRequest.Builder request = HttpRequest.newBuilder(pipeline.receiversUri("/api/v1/logs"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        idempotencyKey.ifPresent(key -> request.header("Idempotency-Key", key));
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /**
     * Sends {@link #REQUESTS} requests from four clients; each client retries an attempt that did not get 202
     * (a new attempt: same events, its own marker), up to two minutes. After {@code killAfter} requests were
     * answered 202, Redis is SIGKILLed and, once an answer shows the receivers noticed, started again.
     */
    private List<Attempt> sendThroughARedisKill(String run, boolean keys, int killAfter) throws Exception {
        List<Attempt> attempts = new CopyOnWriteArrayList<>(); // read while the clients add to it
        AtomicInteger next = new AtomicInteger();
        AtomicInteger accepted = new AtomicInteger();
        CompletableFuture<Void> killed = new CompletableFuture<>();
        ExecutorService clients = Executors.newFixedThreadPool(4);
        try {
            List<CompletableFuture<Void>> done = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                done.add(CompletableFuture.runAsync(() -> {
                    int request;
                    while ((request = next.getAndIncrement()) < REQUESTS) {
                        Optional<String> key = keys ? Optional.of(run + "-request-" + request) : Optional.empty();
                        postUntilAccepted(run, request, key, attempts);
                        if (accepted.incrementAndGet() == killAfter) {
                            killed.complete(null);
                        }
                    }
                }, clients));
            }
            killed.get(2, TimeUnit.MINUTES);
            own.kill();
            try {
                await("a client was refused while Redis is down").atMost(Duration.ofSeconds(30))
                        .until(() -> attempts.stream().anyMatch(a -> a.status() != 202));
            } finally {
                own.start(); // whatever happened, the next test finds Redis up
            }
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(4, TimeUnit.MINUTES);
        } finally {
            clients.shutdownNow();
        }
        return attempts;
    }

    /**
     * Posts request {@code request} until it is answered 202, like a client with backoff: without a key each try
     * is a new attempt (same events, its own marker), with a key every try is the same request. Records each try.
     */
    private void postUntilAccepted(String run, int request, Optional<String> key, List<Attempt> attempts) {
        AtomicInteger attempt = new AtomicInteger();
        RetryPolicy<Integer> untilAccepted = RetryPolicy.<Integer>builder().handleResultIf(status -> status != 202)
                .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1)).withJitter(0.25)
                .withMaxRetries(-1).withMaxDuration(Duration.ofMinutes(2)).build();
        int status = Failsafe.with(untilAccepted).get(() -> {
            int number = key.isPresent() ? 0 : attempt.getAndIncrement();
            int answer = postOnce(body(run, request, number), key);
            attempts.add(new Attempt(request, number, answer));
            return answer;
        });
        assertThat(status).as("request %d answered 202 within 2 minutes", request).isEqualTo(202);
    }

    /** Indexed documents of {@code run} per {@code attributes.attempt}: an exact terms aggregation. */
    private Map<String, Long> indexedPerAttempt(String run) throws IOException {
        elasticsearch.client().indices().refresh(r -> r.index(indexPattern()).allowNoIndices(true));
        SearchResponse<Void> response = elasticsearch.client().search(s -> s.index(indexPattern()).size(0)
                .query(q -> q.term(t -> t.field("service").value(run)))
                .aggregations("attempts", a -> a.terms(t -> t.field("attributes.attempt").size(100_000))),
                Void.class);
        Map<String, Long> counts = new HashMap<>();
        response.aggregations().get("attempts").sterms().buckets().array()
                .forEach(b -> counts.put(b.key().stringValue(), b.docCount()));
        return counts;
    }

    /**
     * Without Idempotency-Keys, through a SIGKILL of Redis mid-run: every attempt answered 202 has all its items
     * indexed exactly once, every attempt answered otherwise (503 while Redis was down, or whatever else) has none
     * of them indexed. So a client that retries what was not answered 202 gets each request stored once: exactly
     * 200 x {@link #ITEMS} documents, no message twice.
     */
    @Test
    void withoutKeysEveryNon2xxAnswerLeftNothingOfItsRequestStored() throws Exception {
        String run = run("front_door_plain");
        List<Attempt> attempts = sendThroughARedisKill(run, false, 50);

        awaitLogs(run, (long) REQUESTS * ITEMS, 0, Duration.ofSeconds(180));
        Map<String, Long> indexed = indexedPerAttempt(run);
        long refused = 0;
        for (Attempt attempt : attempts) {
            if (attempt.status() == 202) {
                assertThat(indexed.get(attempt.marker())).as("attempt %s answered 202", attempt.marker())
                        .isEqualTo(ITEMS);
            } else {
                refused++;
                assertThat(indexed).as("attempt %s answered %d", attempt.marker(), attempt.status())
                        .doesNotContainKey(attempt.marker());
            }
        }
        assertThat(refused).as("some attempts were refused while Redis was down").isPositive();
        assertThat(indexed(run)).isEqualTo((long) REQUESTS * ITEMS);
        assertThat(duplicateMessages(run)).isEmpty();
        System.out.printf("front door without keys: %d attempts, %d refused, %s; %s%n", attempts.size(), refused,
                answersByStatus(attempts), inDoubtCounters());
    }

    /**
     * With an Idempotency-Key per request, retried with the same key after every non-202 answer, through a SIGKILL
     * of Redis mid-run: every item is indexed exactly once (each request's marker counts exactly {@link #ITEMS},
     * the terms aggregation on the message finds no duplicate), and no request got 202 for items not stored (the
     * total is exactly 200 x {@link #ITEMS}).
     */
    @Test
    void withIdempotencyKeysEveryItemIsIndexedExactlyOnceThroughARedisKill() throws Exception {
        String run = run("front_door_keyed");
        List<Attempt> attempts = sendThroughARedisKill(run, true, 50);

        awaitLogs(run, (long) REQUESTS * ITEMS, 0, Duration.ofSeconds(180));
        Map<String, Long> indexed = indexedPerAttempt(run);
        for (int request = 0; request < REQUESTS; request++) {
            assertThat(indexed.get("r" + request + "a0")).as("request %d", request).isEqualTo(ITEMS);
        }
        assertThat(indexed(run)).isEqualTo((long) REQUESTS * ITEMS);
        assertThat(duplicateMessages(run)).isEmpty();
        assertThat(attempts).as("some tries were refused while Redis was down").anyMatch(a -> a.status() != 202);
        System.out.printf("front door with keys: %d tries, %s; %s%n", attempts.size(), answersByStatus(attempts),
                inDoubtCounters());
    }

    /**
     * A client's own {@code event_id}: the same event sent in two requests (no Idempotency-Key) is indexed once, as
     * that ID, and a malformed one is a per-item error that keeps the request's other items.
     */
    @Test
    void anEventSentTwiceWithItsOwnEventIdIsIndexedOnce() throws Exception {
        String run = run("front_door_event_id");
        String id = io.killkrill.model.EventIds.next();
        String event = "{\"message\":\"" + run + "-once\",\"service\":\"" + run + "\",\"event_id\":\"" + id + "\"}";
        assertThat(postLogs(List.of(event)).status()).isEqualTo(202);
        Answer second = postLogs(List.of(event, "{\"message\":\"" + run + "-bad\",\"service\":\"" + run
                + "\",\"event_id\":\"not-a-uuid\"}"));
        assertThat(second.status()).isEqualTo(202);
        assertThat(second.accepted()).isEqualTo(1);
        assertThat(second.rejected()).isEqualTo(1);
        assertThat(second.body().get("errors").get(0).get("field").asText()).isEqualTo("event_id");

        await("the event is indexed").atMost(Duration.ofSeconds(60)).until(() -> indexed(run) >= 1);
        await("the log-worker handled both copies").atMost(Duration.ofSeconds(60)).until(this::logsDrained);
        assertThat(indexed(run)).isEqualTo(1);
        assertThat(documents(run)).singleElement().satisfies(hit -> assertThat(hit.id()).isEqualTo(id));
    }

    /** The receivers' counts of writes that were in doubt (the connection to Redis cut before the reply). */
    private List<String> inDoubtCounters() {
        return get(pipeline.receiversUri("/metrics")).body().lines()
                .filter(l -> l.startsWith("killkrill_receivers_in_doubt")).toList();
    }

    private static Map<Integer, Long> answersByStatus(List<Attempt> attempts) {
        Map<Integer, Long> byStatus = new HashMap<>();
        attempts.forEach(a -> byStatus.merge(a.status(), 1L, Long::sum));
        return byStatus;
    }

    /**
     * Redis at {@code maxmemory} (just above its use, {@code noeviction}) under HTTP, syslog TCP, RELP and UDP load,
     * then the limit lifted. HTTP: every attempt answered 202 is indexed once, none answered otherwise is stored.
     * Syslog TCP and RELP: every message is indexed (the receivers paused reading and kept what they had read; RELP
     * answered each frame only once stored). UDP: sent = indexed + dropped (counted by reason) + dropped by the
     * kernel. Redis did refuse writes meanwhile (its refusals are counted), so the test shows each path under it.
     */
    @Test
    void atMaxmemoryNothingReadIsLostAndNoRefusedRequestIsStored() throws Exception {
        String run = run("front_door_oom");
        long used;
        try (Jedis direct = new Jedis(own.uri())) {
            used = Long.parseLong(direct.info("memory").lines().filter(l -> l.startsWith("used_memory:"))
                    .findFirst().orElseThrow().substring("used_memory:".length()).trim());
            direct.configSet("maxmemory-policy", "noeviction");
            direct.configSet("maxmemory", Long.toString(used + 1024 * 1024));
        }

        int tcpMessages = 3000;
        int relpMessages = 1000;
        int udpMessages = 1000;
        List<Attempt> attempts = new CopyOnWriteArrayList<>(); // read while the clients add to it
        ExecutorService load = Executors.newFixedThreadPool(4);
        try {
            CompletableFuture<Void> httpLoad = CompletableFuture.runAsync(() -> {
                for (int request = 0; request < 40; request++) {
                    postUntilAccepted(run, request, Optional.empty(), attempts);
                }
            }, load);
            CompletableFuture<Void> tcpLoad = CompletableFuture.runAsync(() -> {
                try (Socket socket = new Socket("127.0.0.1", pipeline.syslogPort());
                     OutputStream out = socket.getOutputStream()) {
                    for (int i = 0; i < tcpMessages; i++) {
                        out.write((rfc5424(run, "tcp-" + i) + "\n").getBytes(StandardCharsets.UTF_8));
                    }
                    out.flush();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, load);
            CompletableFuture<List<RelpClient.Received>> relpLoad = CompletableFuture.supplyAsync(() -> {
                try (RelpClient client = RelpClient.connect(pipeline.relpPort())) {
                    client.open();
                    for (int i = 0; i < relpMessages; i++) {
                        client.send(i + 2, "syslog", rfc5424(run, "relp-" + i));
                    }
                    List<RelpClient.Received> answers = new ArrayList<>();
                    while (answers.size() < relpMessages) {
                        Optional<RelpClient.Received> answer = client.next(Duration.ofSeconds(120));
                        assertThat(answer).as("RELP answer %d", answers.size()).isPresent();
                        answers.add(answer.get());
                    }
                    return answers;
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, load);
            CompletableFuture<Void> udpLoad = CompletableFuture.runAsync(() -> {
                try (DatagramSocket socket = new DatagramSocket()) {
                    for (int i = 0; i < udpMessages; i++) {
                        byte[] bytes = rfc5424(run, "udp-" + i).getBytes(StandardCharsets.UTF_8);
                        socket.send(new DatagramPacket(bytes, bytes.length, InetAddress.getLoopbackAddress(),
                                pipeline.syslogPort()));
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, load);

            await("Redis refused writes under the load").atMost(Duration.ofSeconds(60))
                    .until(() -> counter(get(pipeline.receiversUri("/metrics")).body(),
                            "killkrill_receivers_items_rejected_total") > 0
                            && attempts.stream().anyMatch(a -> a.status() == 503));
            try (Jedis direct = new Jedis(own.uri())) {
                direct.configSet("maxmemory", "0");
            }
            CompletableFuture.allOf(httpLoad, tcpLoad, udpLoad).get(3, TimeUnit.MINUTES);
            List<RelpClient.Received> relpAnswers = relpLoad.get(3, TimeUnit.MINUTES);
            assertThat(relpAnswers).as("every RELP frame answered 200 OK, in order")
                    .extracting(RelpClient.Received::txnr).containsExactlyElementsOf(
                            IntStream.range(0, relpMessages).mapToObj(i -> (long) i + 2).toList());
            assertThat(relpAnswers).allMatch(RelpClient.Received::ok);
        } finally {
            load.shutdownNow();
        }

        String page = get(pipeline.receiversUri("/metrics")).body();
        double udpDropped = page.lines().filter(l -> l.startsWith("killkrill_receivers_items_rejected_total{")
                        && l.contains("reason=\"udp_"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum()
                + counter(page, "killkrill_receivers_udp_kernel_drops_total");
        long expected = 40L * ITEMS + tcpMessages + relpMessages + udpMessages - (long) udpDropped;
        awaitLogs(run, expected, 0, Duration.ofSeconds(180));

        Map<String, Long> perAttempt = indexedPerAttempt(run);
        for (Attempt attempt : attempts) {
            if (attempt.status() == 202) {
                assertThat(perAttempt.get(attempt.marker())).as("attempt %s answered 202", attempt.marker())
                        .isEqualTo(ITEMS);
            } else {
                assertThat(perAttempt).as("attempt %s answered %d", attempt.marker(), attempt.status())
                        .doesNotContainKey(attempt.marker());
            }
        }
        var messages = indexedMessages(run);
        for (int i = 0; i < tcpMessages; i++) {
            assertThat(messages).as("syslog TCP message %d", i).contains("tcp-" + i);
        }
        for (int i = 0; i < relpMessages; i++) {
            assertThat(messages).as("RELP message %d", i).contains("relp-" + i);
        }
        long udpIndexed = messages.stream().filter(m -> m.startsWith("udp-")).count();
        assertThat(udpIndexed + (long) udpDropped).as("UDP: indexed + dropped = sent").isEqualTo(udpMessages);
        assertThat(indexed(run)).isEqualTo(expected);
        assertThat(duplicateMessages(run)).isEmpty();
        System.out.printf("at maxmemory: HTTP %s, UDP dropped %.0f of %d%n", answersByStatus(attempts), udpDropped,
                udpMessages);
    }
}
