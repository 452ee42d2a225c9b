package io.killkrill.it.receivers;

import io.killkrill.it.support.OwnRedis;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis goes away (a redis-server this test started on its own port, then stopped) and comes back.
 * HTTP: 503 with Retry-After and nothing reported accepted while it is down (OTLP too, with a google.rpc.Status
 * UNAVAILABLE); 202 again afterwards, and the
 * stream holds exactly what was reported accepted. Syslog TCP: messages sent while Redis is down are not
 * dropped: reading stops, and once Redis is back every one of them is stored (sent = stored, no duplicates).
 * Syslog UDP cannot be paused: what arrives meanwhile is dropped and counted with its reason.
 */
class RedisOutageIT {
    private static final byte[] EVENT = "[{\"message\":\"m\",\"service\":\"s\"},{\"message\":\"n\",\"service\":\"s\"}]"
            .getBytes(StandardCharsets.UTF_8);
    private static final byte[] OTLP_EXPORT = ("{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"body\":"
            + "{\"stringValue\":\"m\"}}]}]}]}").getBytes(StandardCharsets.UTF_8);
    private OwnRedis redis;
    private ReceiversUnderTest service;

    @BeforeEach
    void start() throws Exception {
        redis = new OwnRedis();
        service = ReceiversUnderTest.start(redis.uri(), redis.client, "outage", c -> c);
    }

    @AfterEach
    void stop() throws Exception {
        service.receivers.close();
        redis.close();
    }

    @Test
    void httpAnswers503WhileRedisIsDownAndAcceptsAgainAfterwards() throws Exception {
        assertThat(service.post("/api/v1/logs", "application/json", EVENT).statusCode()).isEqualTo(202);

        redis.stop();
        await("readiness reports Redis down").atMost(Duration.ofSeconds(10))
                .until(() -> service.get("/health/ready").statusCode() == 503);
        HttpResponse<String> refused = service.post("/api/v1/logs", "application/json", EVENT);

        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        assertThat(ReceiversUnderTest.json(refused.body()).get("accepted").asInt()).isZero();
        HttpResponse<String> otlp = service.post("/v1/logs", "application/json", OTLP_EXPORT);
        assertThat(otlp.statusCode()).as("OTLP: retryable, as its exporters expect").isEqualTo(503);
        assertThat(otlp.headers().firstValue("Retry-After")).isPresent();
        assertThat(ReceiversUnderTest.json(otlp.body()).get("code").asInt()).as("google.rpc.Status UNAVAILABLE")
                .isEqualTo(14);
        assertThat(service.get("/health/live").statusCode()).isEqualTo(200);

        redis.start();
        await("readiness reports Redis back").atMost(Duration.ofSeconds(10))
                .until(() -> service.get("/health/ready").statusCode() == 200);
        HttpResponse<String> accepted = service.post("/api/v1/logs", "application/json", EVENT);

        assertThat(accepted.statusCode()).isEqualTo(202);
        // the restarted server kept no data (no persistence): it holds exactly what was accepted since
        assertThat(service.length(service.streams.logs())).isEqualTo(2);
    }

    @Test
    void syslogTcpStopsReadingWhileRedisIsDownAndLosesNothing() throws Exception {
        redis.stop();
        await("receivers noticed Redis is down").atMost(Duration.ofSeconds(10))
                .until(() -> service.get("/health/ready").statusCode() == 503);
        try (java.net.DatagramSocket udp = new java.net.DatagramSocket()) {
            byte[] datagram = "<13>1 - host app - - - udp during outage".getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 3; i++) {
                udp.send(new java.net.DatagramPacket(datagram, datagram.length,
                        java.net.InetAddress.getLoopbackAddress(), service.receivers.ports().syslogUdp().orElseThrow()));
            }
        }
        await("UDP datagrams that cannot be stored are counted as dropped").atMost(Duration.ofSeconds(10))
                .until(() -> service.get("/metrics").body().contains(
                        "killkrill_receivers_items_rejected_total{kind=\"logs\",reason=\"udp_redis_unavailable\","
                                + "source=\"syslog\"} 3.0"));
        int sent = 1000;
        try (Socket socket = new Socket("127.0.0.1", service.receivers.ports().syslogTcp())) {
            OutputStream out = socket.getOutputStream();
            StringBuilder batch = new StringBuilder();
            for (int i = 0; i < sent; i++) {
                batch.append("<13>1 - host app - - - outage-").append(i).append('\n');
            }
            out.write(batch.toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();

            redis.start();
            await("every message sent during the outage is stored").atMost(Duration.ofSeconds(30))
                    .until(() -> redis.client.xlen(service.streams.logs()) >= sent);
        }
        List<JsonNode> events = service.events(service.streams.logs());
        assertThat(events).hasSize(sent);
        assertThat(events).extracting(e -> e.get("message").asText()).doesNotHaveDuplicates()
                .contains("outage-0", "outage-" + (sent - 1));
        assertThat(service.length(service.streams.logsDlq())).isZero();
    }
}
