package io.killkrill.it.receivers;

import com.fasterxml.jackson.databind.JsonNode;
import io.killkrill.it.support.FaultProxy;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 16's fault class "a Redis connection that breaks while syslog TCP entries are between the socket and the
 * XADD": the receivers reach Redis through a proxy that, part-way through a stream of syslog TCP messages, starts
 * cutting each connection after the writer sent its round trip and before Redis' replies reach it (the writes may
 * or may not have happened), then lets traffic through again. Every message read from the socket is stored exactly
 * once: the writer resolves each write in doubt from its round trip's marker and re-sends only what Redis does not
 * hold. Reconciliation: 3,000 messages sent, each sequence number exactly once in the stream, no other entry.
 */
@ExtendWith(RedisExtension.class)
class SyslogRedisCutIT {
    private static final int MESSAGES = 3_000;

    private FaultProxy proxy;
    private ReceiversUnderTest service;

    @AfterEach
    void stop() throws Exception {
        if (service != null) {
            service.close();
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    @Test
    void syslogMessagesInFlightWhenTheRedisConnectionBreaksAreStoredExactlyOnce(RedisService redis)
            throws Exception {
        proxy = new FaultProxy(redis.uri());
        service = ReceiversUnderTest.start(URI.create("redis://127.0.0.1:" + proxy.uri().getPort()), redis.client(),
                "syslog-redis-cut", config -> config);
        try (Socket socket = new Socket("127.0.0.1", service.receivers.ports().syslogTcp())) {
            OutputStream out = socket.getOutputStream();
            send(out, 0, MESSAGES / 3);
            await("the first third is stored").atMost(Duration.ofSeconds(30))
                    .until(() -> service.length(service.streams.logs()) >= MESSAGES / 3);
            proxy.mode(FaultProxy.Mode.CUT_REPLIES);
            send(out, MESSAGES / 3, 2 * MESSAGES / 3);
            await("a write lost its reply and was resolved from its marker").atMost(Duration.ofSeconds(30))
                    .until(() -> service.meter("killkrill_receivers_in_doubt_resolved_total") > 0);
            proxy.mode(FaultProxy.Mode.FORWARD);
            send(out, 2 * MESSAGES / 3, MESSAGES);
        }

        await("all " + MESSAGES + " messages are stored").atMost(Duration.ofSeconds(60))
                .until(() -> service.length(service.streams.logs()) >= MESSAGES);
        List<JsonNode> events = service.events(service.streams.logs());
        Map<String, Long> bySeq = events.stream().collect(Collectors.groupingBy(e -> e.get("message").asText(),
                Collectors.counting()));
        assertThat(bySeq).as("each message once").hasSize(MESSAGES).allSatisfy((message, count) ->
                assertThat(count).as(message).isEqualTo(1L));
        assertThat(events).hasSize(MESSAGES);
    }

    /** Syslog lines {@code seq-from} .. {@code seq-(to - 1)}, flushed every 100 and at the end. */
    private static void send(OutputStream out, int from, int to) throws java.io.IOException {
        for (int seq = from; seq < to; seq++) {
            out.write(("<13>1 - host app - - - seq-" + seq + "\n").getBytes(StandardCharsets.US_ASCII));
            if (seq % 100 == 99) {
                out.flush();
            }
        }
        out.flush();
    }
}
