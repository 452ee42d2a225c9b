package io.killkrill.it.receivers;

import io.killkrill.config.ReplicaAcks;
import io.killkrill.it.support.OwnSentinelRedis;
import io.killkrill.receivers.ReceiversConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import redis.clients.jedis.JedisPooled;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 17 item 2: {@code KILLKRILL_REDIS_MIN_REPLICA_ACKS=1} against a real master with two real replicas
 * ({@link OwnSentinelRedis}, one for the class), the receivers in-process on the master's URL. The replicas are
 * SIGSTOPped, so that the master stores what it is sent but its {@code WAIT} falls short, as when the replicas fall
 * behind, then SIGCONTed.
 *
 * <p>What it proves, by counting the master's stream after each step: an HTTP write the replicas did not
 * acknowledge is answered 503 with Retry-After although the master holds its items (and is not counted accepted);
 * from then on the receivers store nothing new (not ready, a write without Idempotency-Key is refused before it is
 * stored) until the replicas acknowledge again; the retry with the same Idempotency-Key is 503 while they do not and
 * then gets the stored answer (replayed, stream unchanged: nothing stored twice). A RELP frame is answered 200 OK only
 * once the replicas hold it, and it is stored once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplicaAcksIT {
    private static final ReplicaAcks ONE_REPLICA = new ReplicaAcks(1, Duration.ofMillis(300));
    private static final byte[] THREE = ("{\"message\":\"one\",\"service\":\"s\"}\n"
            + "{\"message\":\"two\",\"service\":\"s\"}\n"
            + "{\"message\":\"three\",\"service\":\"s\",\"level\":\"nope\"}").getBytes(StandardCharsets.UTF_8);

    private OwnSentinelRedis redis;
    private JedisPooled master;

    @BeforeAll
    void startRedis() throws Exception {
        redis = new OwnSentinelRedis();
        master = redis.masterClient();
    }

    @AfterEach
    void replicasRunning() throws Exception {
        redis.resumeReplicas(); // also after a failed test: the next one starts with its replicas acknowledging
    }

    @AfterAll
    void stopRedis() throws Exception {
        master.close();
        redis.close();
    }

    private ReceiversUnderTest start(String name, boolean relp) throws Exception {
        return ReceiversUnderTest.start(URI.create("redis://127.0.0.1:" + redis.masterPort()), master,
                "replica-acks-" + name, c -> {
                    ReceiversConfig config = c.withReplicaAcks(ONE_REPLICA);
                    return relp ? config.withRelp(new ReceiversConfig.Relp(0, Optional.empty())) : config;
                });
    }

    private static HttpResponse<String> post(ReceiversUnderTest service, String... headers) {
        return service.post("/api/v1/logs", "application/x-ndjson", THREE, headers);
    }

    @Test
    void anHttpWriteTheReplicasDidNotAcknowledgeIs503AndItsRetryIsAnsweredOnceTheyDoStoringNothingTwice()
            throws Exception {
        try (ReceiversUnderTest service = start("http", false)) {
            String logs = service.streams.logs();
            HttpResponse<String> replicated = post(service, "Idempotency-Key", "first");
            assertThat(replicated.statusCode()).as("acknowledged by a replica: %s", replicated.body()).isEqualTo(202);
            assertThat(service.length(logs)).isEqualTo(2);

            redis.pauseReplicas();
            HttpResponse<String> unreplicated = post(service, "Idempotency-Key", "second");
            assertThat(unreplicated.statusCode()).as(unreplicated.body()).isEqualTo(503);
            assertThat(unreplicated.headers().firstValue("Retry-After")).isPresent();
            assertThat(unreplicated.body()).contains("0 of the 1 Redis replicas required")
                    .contains("retry with the same Idempotency-Key");
            assertThat(service.length(logs)).as("the master holds the unacknowledged write").isEqualTo(4);
            assertThat(service.meter("killkrill_receivers_replica_acks_short_total{", "delivery=\"fail_fast\""))
                    .isEqualTo(2);
            assertThat(service.meter("killkrill_receivers_items_rejected_total{", "reason=\"not_replicated\""))
                    .isEqualTo(2);
            assertThat(service.meter("killkrill_receivers_items_accepted_total{")).as("only the first request's")
                    .isEqualTo(2);

            assertThat(service.get("/health/ready").statusCode()).as("not ready while the replicas fall short")
                    .isEqualTo(503);
            HttpResponse<String> withoutKey = post(service);
            assertThat(withoutKey.statusCode()).isEqualTo(503);
            assertThat(withoutKey.body()).contains("NOREPLICAS");
            assertThat(post(service, "Idempotency-Key", "second").statusCode())
                    .as("the retry, while the replicas still do not hold its items").isEqualTo(503);
            assertThat(service.length(logs)).as("nothing stored while the replicas fall short").isEqualTo(4);

            redis.resumeReplicas();
            await("the receivers are ready once the replicas acknowledge again").atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(100)).until(() -> service.get("/health/ready").statusCode() == 200);
            HttpResponse<String> retried = post(service, "Idempotency-Key", "second");
            assertThat(retried.statusCode()).as(retried.body()).isEqualTo(202);
            assertThat(retried.headers().firstValue("Idempotent-Replayed")).contains("true");
            assertThat(service.length(logs)).as("the retry stored nothing again").isEqualTo(4);
            assertThat(service.events(logs)).extracting(e -> e.path("message").asText())
                    .containsExactly("one", "two", "one", "two");
            assertThat(post(service, "Idempotency-Key", "third").statusCode()).isEqualTo(202);
            assertThat(service.length(logs)).isEqualTo(6);
        }
    }

    @Test
    void aRelpFrameIsAnsweredOnlyOnceTheReplicasHoldItAndIsStoredOnce() throws Exception {
        try (ReceiversUnderTest service = start("relp", true)) {
            String logs = service.streams.logs();
            try (RelpClient client = RelpClient.connect(service.receivers.ports().relp().orElseThrow())) {
                client.open();
                redis.pauseReplicas();
                client.send(2, "syslog", "<134>1 2026-01-15T10:00:00.000Z web-1 relpapp 4242 - - held");
                await("the master holds the frame's event").atMost(Duration.ofSeconds(10))
                        .pollInterval(Duration.ofMillis(50)).until(() -> service.length(logs) == 1);
                assertThat(client.next(Duration.ofSeconds(2))).as("no answer while the replicas do not hold it")
                        .isEmpty();
                assertThat(service.meter("killkrill_receivers_replica_acks_short_total{",
                        "delivery=\"until_stored\"")).isEqualTo(1);

                redis.resumeReplicas();
                assertThat(client.next(Duration.ofSeconds(20))).as("answered once the replicas acknowledge")
                        .contains(new RelpClient.Received(2, "rsp", "200 OK"));
                client.send(3, "syslog", "<134>1 2026-01-15T10:00:01.000Z web-1 relpapp 4242 - - next");
                assertThat(client.next(Duration.ofSeconds(10))).contains(new RelpClient.Received(3, "rsp", "200 OK"));
            }
            assertThat(service.events(logs)).extracting(e -> e.path("message").asText())
                    .as("each frame stored once").containsExactly("held", "next");
        }
    }
}
