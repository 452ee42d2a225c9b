package io.killkrill.it.receivers;

import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamEntry;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Backlog (entries the consumer group has not acknowledged) above KILLKRILL_MAX_BACKLOG: 429, until it drains. */
@ExtendWith(RedisExtension.class)
class BacklogIT {
    private static final byte[] FIVE;

    static {
        StringBuilder array = new StringBuilder("[");
        for (int i = 0; i < 5; i++) {
            array.append(i == 0 ? "" : ",").append("{\"message\":\"m").append(i).append("\",\"service\":\"s\"}");
        }
        FIVE = (array + "]").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void overTheLimitIs429UntilTheConsumerGroupCatchesUp(RedisService redis) throws Exception {
        try (ReceiversUnderTest service = ReceiversUnderTest.start(redis, "backlog",
                c -> c.withLimits(1024 * 1024, 100, 64 * 1024, 8))) {
            String stream = service.streams.logs();
            var jedis = service.redis;
            jedis.xgroupCreate(stream, service.streams.logGroup(), new StreamEntryID(), true);

            assertThat(service.post("/api/v1/logs", "application/json", FIVE).statusCode()).isEqualTo(202);
            assertThat(service.post("/api/v1/logs", "application/json", FIVE).statusCode()).isEqualTo(202);
            await("the backlog of 10 is measured").atMost(Duration.ofSeconds(10))
                    .until(() -> service.get("/metrics").body()
                            .contains("killkrill_backlog_entries{stream=\"" + stream + "\"} 10.0"));
            HttpResponse<String> refused = service.post("/api/v1/logs", "application/json", FIVE);
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            assertThat(ReceiversUnderTest.json(refused.body()).get("accepted").asInt()).isZero();
            assertThat(jedis.xlen(stream)).as("nothing of the refused requests was stored").isEqualTo(10);

            // a consumer reads and acknowledges everything: the backlog drains, ingestion resumes
            List<Map.Entry<String, List<StreamEntry>>> read = jedis.xreadGroup(service.streams.logGroup(), "c1",
                    XReadGroupParams.xReadGroupParams().count(100), Map.of(stream, StreamEntryID.UNRECEIVED_ENTRY));
            jedis.xack(stream, service.streams.logGroup(),
                    read.get(0).getValue().stream().map(StreamEntry::getID).toArray(StreamEntryID[]::new));
            await("ingestion accepted again once the backlog drained").atMost(Duration.ofSeconds(10))
                    .until(() -> service.post("/api/v1/logs", "application/json", FIVE).statusCode() == 202);
            assertThat(jedis.xlen(stream)).isEqualTo(15);
        }
    }
}
