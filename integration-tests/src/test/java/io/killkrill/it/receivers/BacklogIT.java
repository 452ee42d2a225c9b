package io.killkrill.it.receivers;

import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamEntry;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Backlog (entries the consumer group has not acknowledged) above KILLKRILL_RECEIVERS_MAX_BACKLOG: 429, until it
 * drains.
 */
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

            fillBacklogOfTen(service, "/api/v1/logs", FIVE, stream);
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

    /** Two accepted requests of five items each, then waits until the receivers measure the backlog of 10. */
    private static void fillBacklogOfTen(ReceiversUnderTest service, String path, byte[] fiveItems, String stream)
            throws Exception {
        assertThat(service.post(path, "application/json", fiveItems).statusCode()).isEqualTo(202);
        assertThat(service.post(path, "application/json", fiveItems).statusCode()).isEqualTo(202);
        await("the backlog of 10 on " + stream + " is measured").atMost(Duration.ofSeconds(10))
                .until(() -> service.get("/metrics").body()
                        .contains("killkrill_receivers_backlog_entries{stream=\"" + stream + "\"} 10.0"));
    }

    private static final byte[] FIVE_SAMPLES = ("[" + String.join(",", java.util.Collections.nCopies(5,
            "{\"name\":\"backlog_probe\",\"value\":1}")) + "]").getBytes(StandardCharsets.UTF_8);

    /**
     * The limit covers the metrics stream too: over it, a metrics POST (JSON or Prometheus text) is refused with
     * 429 + Retry-After and counted as
     * {@code killkrill_receivers_items_rejected_total{kind="metrics",reason="backlog"}}, while logs, whose stream is
     * under the limit, are still accepted. Fails if only the logs stream is watched.
     */
    @Test
    void aMetricsPostIsRefusedWhenTheMetricsStreamIsOverTheLimit(RedisService redis) throws Exception {
        try (ReceiversUnderTest service = ReceiversUnderTest.start(redis, "backlog-metrics",
                c -> c.withLimits(1024 * 1024, 100, 64 * 1024, 8))) {
            String stream = service.streams.metrics();
            var jedis = service.redis;
            jedis.xgroupCreate(stream, service.streams.metricsGroup(), new StreamEntryID(), true);

            fillBacklogOfTen(service, "/api/v1/metrics", FIVE_SAMPLES, stream);

            HttpResponse<String> refused = service.post("/api/v1/metrics", "application/json", FIVE_SAMPLES);
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            assertThat(refused.body()).contains(stream);
            HttpResponse<String> text = service.post("/api/v1/metrics", "text/plain; version=0.0.4",
                    "backlog_probe 1\n".getBytes(StandardCharsets.UTF_8));
            assertThat(text.statusCode()).as("Prometheus text is refused too").isEqualTo(429);
            assertThat(text.headers().firstValue("Retry-After")).isPresent();
            assertThat(jedis.xlen(stream)).as("nothing of the refused requests was stored").isEqualTo(10);
            assertThat(rejectedForBacklog(service.get("/metrics").body(), "metrics")).isEqualTo(2.0);

            assertThat(service.post("/api/v1/logs", "application/json", FIVE).statusCode())
                    .as("the logs stream is under the limit: logs are still accepted").isEqualTo(202);
            assertThat(rejectedForBacklog(service.get("/metrics").body(), "logs")).isZero();
        }
    }

    /**
     * Each stream is measured on its own: a logs key that cannot be measured (here it holds a string, so XLEN
     * answers WRONGTYPE) does not stop the metrics stream's backlog from being measured and enforced. Before,
     * the failure on the logs stream ended every refresh, and metrics were never refused.
     */
    @Test
    void theMetricsStreamIsWatchedEvenWhenTheLogsStreamCannotBeMeasured(RedisService redis) throws Exception {
        try (ReceiversUnderTest service = ReceiversUnderTest.start(redis, "backlog-isolated",
                c -> c.withLimits(1024 * 1024, 100, 64 * 1024, 8))) {
            String stream = service.streams.metrics();
            var jedis = service.redis;
            jedis.set(service.streams.logs(), "not a stream");
            jedis.xgroupCreate(stream, service.streams.metricsGroup(), new StreamEntryID(), true);

            fillBacklogOfTen(service, "/api/v1/metrics", FIVE_SAMPLES, stream);

            HttpResponse<String> refused = service.post("/api/v1/metrics", "application/json", FIVE_SAMPLES);
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            assertThat(jedis.xlen(stream)).isEqualTo(10);
        }
    }

    /**
     * Issue 13, item 8: UDP obeys the backlog limit too (it ignored it). With the logs backlog over the limit, 500
     * syslog datagrams are all dropped and each is counted: sent = stored + dropped for the backlog + dropped by
     * the kernel, and the stream does not grow by one entry (its memory is bounded by the limit). Once the group
     * catches up, datagrams are stored again.
     */
    @Test
    void udpDatagramsAboveTheBacklogAreDroppedAndCountedAndTheStreamDoesNotGrow(RedisService redis) throws Exception {
        try (ReceiversUnderTest service = ReceiversUnderTest.start(redis, "backlog-udp",
                c -> c.withLimits(1024 * 1024, 100, 64 * 1024, 8));
             DatagramSocket udp = new DatagramSocket()) {
            String stream = service.streams.logs();
            var jedis = service.redis;
            jedis.xgroupCreate(stream, service.streams.logGroup(), new StreamEntryID(), true);
            fillBacklogOfTen(service, "/api/v1/logs", FIVE, stream);

            InetSocketAddress target = new InetSocketAddress("127.0.0.1", service.receivers.ports().syslogUdp()
                    .orElseThrow());
            for (int i = 0; i < 500; i++) {
                byte[] line = ("<14>1 2026-11-25T10:00:00Z h app - - - over backlog " + i)
                        .getBytes(StandardCharsets.UTF_8);
                udp.send(new DatagramPacket(line, line.length, target));
            }
            await("every datagram is counted as dropped, for the backlog or by the kernel")
                    .atMost(Duration.ofSeconds(10)).until(() -> {
                        String page = service.get("/metrics").body();
                        return metric(page, "killkrill_receivers_items_rejected_total{", "reason=\"udp_backlog\"")
                                + metric(page, "killkrill_receivers_udp_kernel_drops_total", "") == 500;
                    });
            assertThat(jedis.xlen(stream)).as("nothing of them was stored").isEqualTo(10);

            List<Map.Entry<String, List<StreamEntry>>> read = jedis.xreadGroup(service.streams.logGroup(), "c1",
                    XReadGroupParams.xReadGroupParams().count(100), Map.of(stream, StreamEntryID.UNRECEIVED_ENTRY));
            jedis.xack(stream, service.streams.logGroup(),
                    read.get(0).getValue().stream().map(StreamEntry::getID).toArray(StreamEntryID[]::new));
            byte[] line = "<14>1 2026-11-25T10:00:00Z h app - - - under the limit again".getBytes(StandardCharsets.UTF_8);
            await("a datagram is stored again once the backlog drained").atMost(Duration.ofSeconds(10)).until(() -> {
                udp.send(new DatagramPacket(line, line.length, target));
                return jedis.xlen(stream) > 10;
            });
        }
    }

    /** The sum of the samples of a metric whose line starts with {@code prefix} and contains {@code label}. */
    private static double metric(String page, String prefix, String label) {
        return page.lines().filter(l -> l.startsWith(prefix) && l.contains(label))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /**
     * The value of {@code killkrill_receivers_items_rejected_total{kind=<kind>,reason="backlog",source="http"}}, 0
     * when absent.
     */
    private static double rejectedForBacklog(String page, String kind) {
        return page.lines().filter(l -> l.startsWith("killkrill_receivers_items_rejected_total{")
                        && l.contains("kind=\"" + kind + "\"") && l.contains("reason=\"backlog\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
