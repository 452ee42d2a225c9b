package io.killkrill.it.receivers;

import io.killkrill.config.StreamNames;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 17 item 3, the receivers' half, on one real Redis: with {@code KILLKRILL_STREAM_SHARDS=4} the receivers
 * write each request whole into one of the shards' streams ({@code <stream>{0}} .. {@code {3}}), the next shard in
 * turn; a request with an Idempotency-Key goes to its key's shard, and its repeat is replayed from there, storing
 * nothing; a syslog message's dead letter lands in a shard's dead-letter stream (a read's events and dead letters are
 * one write, so one shard and, on a Redis Cluster, one slot). Every test
 * counts every shard's stream (and the unsharded names, which must stay empty), so an item stored twice, in the
 * wrong shard or nowhere fails it.
 */
@ExtendWith(RedisExtension.class)
class ShardedReceiversIT {
    private static final int SHARDS = 4;
    private static final byte[] THREE = ("{\"message\":\"one\",\"service\":\"s\"}\n"
            + "{\"message\":\"two\",\"service\":\"s\"}\n"
            + "{\"message\":\"three\",\"service\":\"s\",\"level\":\"nope\"}").getBytes(StandardCharsets.UTF_8);

    private static ReceiversUnderTest start(RedisService redis, String name) throws Exception {
        return ReceiversUnderTest.start(redis, "sharded-" + name, c -> c.withStreams(c.streams().withShards(SHARDS)));
    }

    private static List<Long> lengths(ReceiversUnderTest service, java.util.function.Function<StreamNames, String> of) {
        List<Long> lengths = new ArrayList<>();
        for (StreamNames shard : service.streams.withShards(SHARDS).allShards()) {
            lengths.add(service.length(of.apply(shard)));
        }
        return lengths;
    }

    @Test
    void requestsAreSpreadWholeOverTheShardsInTurn(RedisService redis) throws Exception {
        try (ReceiversUnderTest service = start(redis, "spread")) {
            for (int i = 0; i < 10 * SHARDS; i++) {
                HttpResponse<String> answer = service.post("/api/v1/logs", "application/x-ndjson", THREE);
                assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
            }
            assertThat(lengths(service, StreamNames::logs)).as("10 requests of 2 valid items in each shard")
                    .containsExactly(20L, 20L, 20L, 20L);
            assertThat(service.length(service.streams.logs())).as("nothing under the unsharded name").isZero();
            for (int i = 0; i < SHARDS; i++) {
                String shard = service.streams.withShards(SHARDS).shard(i).logs();
                assertThat(service.events(shard)).extracting(e -> e.path("message").asText())
                        .as("shard %d holds whole requests", i).containsExactlyElementsOf(
                                java.util.Collections.nCopies(10, List.of("one", "two")).stream()
                                        .flatMap(List::stream).toList());
            }
            assertThat(service.meter("killkrill_receivers_items_accepted_total{")).isEqualTo(80);
        }
    }

    @Test
    void aKeyedRequestGoesToItsKeysShardAndItsRepeatIsReplayedFromThere(RedisService redis) throws Exception {
        try (ReceiversUnderTest service = start(redis, "keyed")) {
            Set<Integer> shardsUsed = new HashSet<>();
            for (int k = 0; k < 12; k++) {
                String key = "order-" + k;
                assertThat(service.post("/api/v1/logs", "application/x-ndjson", THREE, "Idempotency-Key", key)
                        .statusCode()).isEqualTo(202);
                List<Long> before = lengths(service, StreamNames::logs);
                HttpResponse<String> repeat = service.post("/api/v1/logs", "application/x-ndjson", THREE,
                        "Idempotency-Key", key);
                assertThat(repeat.statusCode()).isEqualTo(202);
                assertThat(repeat.headers().firstValue("Idempotent-Replayed")).contains("true");
                assertThat(lengths(service, StreamNames::logs)).as("the repeat of %s stored nothing", key)
                        .isEqualTo(before);
                for (int i = 0; i < SHARDS; i++) {
                    String prefix = service.streams.withShards(SHARDS).shard(i).logs() + ":idempotency:";
                    if (!service.redis.keys(prefix + "*:" + key).isEmpty()) {
                        shardsUsed.add(i);
                    }
                }
            }
            assertThat(lengths(service, StreamNames::logs).stream().mapToLong(Long::longValue).sum())
                    .as("12 requests of 2 items, each once").isEqualTo(24);
            assertThat(shardsUsed).as("the keys fall into more than one shard").hasSizeGreaterThan(1);
        }
    }

    @Test
    void aSyslogMessageAndADeadLetterLandInTheShardsStreams(RedisService redis) throws Exception {
        try (ReceiversUnderTest service = start(redis, "syslog")) {
            try (Socket socket = new Socket("127.0.0.1", service.receivers.ports().syslogTcp())) {
                OutputStream out = socket.getOutputStream();
                out.write(("<134>1 2026-01-15T10:00:00.000Z web-1 app 1 - - good\n"
                        + "<999>not syslog at all\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                await("the event and the dead letter are stored").atMost(Duration.ofSeconds(10))
                        .pollInterval(Duration.ofMillis(50)).until(() ->
                                lengths(service, StreamNames::logs).stream().mapToLong(Long::longValue).sum()
                                        + lengths(service, StreamNames::logsDlq).stream().mapToLong(Long::longValue)
                                        .sum() == 2);
            }
            List<Long> events = lengths(service, StreamNames::logs);
            List<Long> letters = lengths(service, StreamNames::logsDlq);
            assertThat(events.stream().mapToLong(Long::longValue).sum()).isEqualTo(1);
            assertThat(letters.stream().mapToLong(Long::longValue).sum()).isEqualTo(1);
            assertThat(service.length(service.streams.logsDlq())).as("nothing under the unsharded name").isZero();
        }
    }
}
