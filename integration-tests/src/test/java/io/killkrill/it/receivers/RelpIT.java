package io.killkrill.it.receivers;

import com.fasterxml.jackson.databind.JsonNode;
import io.killkrill.it.support.OwnRedis;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.model.DeadLetter;
import io.killkrill.model.DeadLetterCodec;
import io.killkrill.model.DeadLetterReason;
import io.killkrill.receivers.ReceiversConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * RELP against the real receivers (in-process) and Redis, with a raw-socket client: what is answered 200 is stored,
 * answers come in TXNR order, broken frames get an error answer and a dead letter with their raw bytes, and a frame
 * that cannot be stored is never answered (the client keeps and resends it).
 */
@ExtendWith(RedisExtension.class)
class RelpIT {
    private static final int MAX_MESSAGE = 2048;

    private static ReceiversUnderTest start(RedisService redis, String name) throws Exception {
        return ReceiversUnderTest.start(redis, "relp-" + name, RelpIT::withRelp);
    }

    private static ReceiversConfig withRelp(ReceiversConfig config) {
        return config.withLimits(10 * 1024 * 1024, 10_000, MAX_MESSAGE, 1_000_000)
                .withRelp(new ReceiversConfig.Relp(0, Optional.empty()));
    }

    private static int port(ReceiversUnderTest service) {
        return service.receivers.ports().relp().orElseThrow();
    }

    private static String message(String run, int i) {
        return "<134>1 2026-01-15T10:00:00.000Z web-1 relpapp 4242 - - " + run + "-" + i;
    }

    private static List<DeadLetter> deadLetters(ReceiversUnderTest service) {
        return service.entries(service.streams.logsDlq()).stream().map(e -> DeadLetterCodec.fromEntry(e.getFields()))
                .toList();
    }

    private static String raw(DeadLetter letter) {
        return new String(Base64.getDecoder().decode(letter.original().get("raw_base64")),
                StandardCharsets.UTF_8);
    }

    /**
     * 500 syslog frames, every 50th unparseable, then close. The answers are 200 OK in TXNR order (2..501), then
     * close's 200 OK, serverclose and EOF. Reconciliation: sent (500) = 490 events + 10 dead letters
     * ({@code syslog_parse_error}, transport relp, raw bytes the unparseable message); the events' messages are
     * exactly the 490 valid ones sent, each once; the meters count them with {@code source="relp"}.
     */
    @Test
    void framesAreAnsweredInOrderOnceStoredAndCloseEndsTheSession(RedisService redis) throws Exception {
        try (ReceiversUnderTest service = start(redis, "happy")) {
            String run = "happy-" + System.nanoTime();
            Set<String> sentEvents = new HashSet<>();
            List<String> sentBroken = new ArrayList<>();
            try (RelpClient client = RelpClient.connect(port(service))) {
                client.open();
                for (int i = 0; i < 500; i++) {
                    String text = i % 50 == 0 ? "not syslog " + run + "-" + i : message(run, i);
                    if (i % 50 == 0) {
                        sentBroken.add(text);
                    } else {
                        sentEvents.add(run + "-" + i);
                    }
                    client.send(RelpClient.frame(i + 2, "syslog", text));
                }
                client.send(502, "close", "");
                List<RelpClient.Received> answers = client.drain(Duration.ofSeconds(15));

                assertThat(answers).hasSize(503);
                for (int i = 0; i < 501; i++) {
                    assertThat(answers.get(i)).isEqualTo(new RelpClient.Received(i + 2, "rsp", "200 OK"));
                }
                assertThat(answers.get(501)).isEqualTo(new RelpClient.Received(0, "serverclose", ""));
                assertThat(answers.get(502).command()).isEqualTo("eof");
            }
            List<JsonNode> events = service.events(service.streams.logs());
            List<DeadLetter> letters = deadLetters(service);
            assertThat(events.size() + letters.size()).as("sent = stored + dead-lettered").isEqualTo(500);
            assertThat(events).extracting(e -> e.get("message").asText()).doesNotHaveDuplicates()
                    .containsExactlyInAnyOrderElementsOf(sentEvents);
            assertThat(letters).extracting(RelpIT::raw).containsExactlyInAnyOrderElementsOf(sentBroken);
            assertThat(letters).allSatisfy(l -> {
                assertThat(l.reason()).isEqualTo(DeadLetterReason.SYSLOG_PARSE_ERROR);
                assertThat(l.original().get("transport")).isEqualTo("relp");
            });
            String scrape = service.get("/metrics").body();
            assertThat(scrape).contains("killkrill_receivers_items_received_total{kind=\"logs\",source=\"relp\"} 500.0")
                    .contains("killkrill_receivers_items_accepted_total{kind=\"logs\",source=\"relp\"} 490.0")
                    .contains("killkrill_receivers_items_rejected_total{kind=\"logs\",reason=\"syslog_parse_error\","
                            + "source=\"relp\"} 10.0");
        }
    }

    /**
     * Broken frames against the real receivers: a DATALEN that lies (DATA not followed by LF) is answered 500 and
     * dead-lettered with the frame's bytes as received, then serverclose and EOF; an unsupported command is answered
     * 500 and dead-lettered and the session goes on; an oversized message is dead-lettered {@code message_too_large}
     * (raw truncated to the maximum) and answered 500; garbage before any header ends the session with serverclose.
     * Reconciliation: one dead letter per broken frame, nothing in the logs stream but the one valid message.
     */
    @Test
    void malformedFramesGetAnErrorAnswerAndADeadLetterWithTheirRawBytes(RedisService redis) throws Exception {
        try (ReceiversUnderTest service = start(redis, "malformed")) {
            try (RelpClient client = RelpClient.connect(port(service))) {
                client.open();
                client.send("2 syslog 5 <13>1 - h a - - - longer than announced\n".getBytes(StandardCharsets.UTF_8));
                List<RelpClient.Received> answers = client.drain(Duration.ofSeconds(10));
                assertThat(answers).hasSize(3);
                assertThat(answers.get(0).txnr()).isEqualTo(2);
                assertThat(answers.get(0).data()).startsWith("500 no LF after the 5 bytes of DATA");
                assertThat(answers.get(1)).isEqualTo(new RelpClient.Received(0, "serverclose", ""));
                assertThat(answers.get(2).command()).isEqualTo("eof");
            }
            try (RelpClient client = RelpClient.connect(port(service))) {
                client.open();
                client.send(2, "eventlog", "some data");
                client.send(3, "syslog", "<13>1 - h a - - - " + "x".repeat(MAX_MESSAGE * 2));
                client.send(4, "syslog", "<13>1 - h a - - - valid after the errors");
                assertThat(client.next(Duration.ofSeconds(10)).orElseThrow().data())
                        .isEqualTo("500 command eventlog is not supported (commands=syslog)");
                assertThat(client.next(Duration.ofSeconds(10)).orElseThrow().data())
                        .isEqualTo("500 message longer than " + MAX_MESSAGE + " bytes, dead-lettered");
                assertThat(client.next(Duration.ofSeconds(10)).orElseThrow())
                        .isEqualTo(new RelpClient.Received(4, "rsp", "200 OK"));
            }
            try (RelpClient client = RelpClient.connect(port(service))) {
                client.send("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(client.drain(Duration.ofSeconds(10))).extracting(RelpClient.Received::command)
                        .containsExactly("serverclose", "eof");
            }
            await("four dead letters").atMost(Duration.ofSeconds(10))
                    .until(() -> service.length(service.streams.logsDlq()) >= 4);
            List<DeadLetter> letters = deadLetters(service);
            assertThat(letters).hasSize(4);
            assertThat(raw(letters.get(0))).isEqualTo("2 syslog 5 <13>1 ");
            assertThat(letters.get(0).message()).contains("RELP protocol error: no LF");
            assertThat(raw(letters.get(1))).isEqualTo("2 eventlog 9 some data\n");
            assertThat(letters.get(2).reason()).isEqualTo(DeadLetterReason.MESSAGE_TOO_LARGE);
            assertThat(raw(letters.get(2))).hasSize(MAX_MESSAGE).startsWith("<13>1 - h a - - - xxx");
            assertThat(raw(letters.get(3))).isEqualTo("GET / HTTP/1.1\r\n\r\n");
            assertThat(letters).allSatisfy(l -> assertThat(l.original().get("transport")).isEqualTo("relp"));
            assertThat(service.events(service.streams.logs())).extracting(e -> e.get("message").asText())
                    .containsExactly("valid after the errors");
        }
    }

    /**
     * Redis goes away (an own redis-server, stopped): frames sent meanwhile are not answered (a 500 would make librelp
     * drop them) and once Redis is back each is stored once and answered 200 in order. Then Redis refuses the write
     * (the logs stream's key holds a string: WRONGTYPE): the frame is held unanswered, and once the key is fixed it
     * is stored once and answered 200. Reconciliation: 50 sent = 50 stored, distinct, all answered; the refused
     * frame stored exactly once, after the fix.
     */
    @Test
    void aFrameThatCannotBeStoredIsHeldOrLeftUnansweredNeverAnswered500() throws Exception {
        try (OwnRedis own = new OwnRedis();
             ReceiversUnderTest service = ReceiversUnderTest.start(own.uri(), own.client, "relp-outage",
                     RelpIT::withRelp);
             RelpClient client = RelpClient.connect(port(service))) {
            client.open();
            own.stop();
            await("readiness reports Redis down").atMost(Duration.ofSeconds(10))
                    .until(() -> service.get("/health/ready").statusCode() == 503);
            String run = "outage-" + System.nanoTime();
            for (int i = 0; i < 50; i++) {
                client.send(i + 2, "syslog", message(run, i));
            }
            assertThat(client.next(Duration.ofSeconds(2))).as("no answer while Redis is down").isEmpty();

            own.start();
            List<RelpClient.Received> answers = new ArrayList<>();
            await("50 frames answered once Redis is back").atMost(Duration.ofSeconds(20)).until(() -> {
                client.next(Duration.ofMillis(500)).ifPresent(answers::add);
                return answers.size() >= 50;
            });
            for (int i = 0; i < 50; i++) {
                assertThat(answers.get(i)).isEqualTo(new RelpClient.Received(i + 2, "rsp", "200 OK"));
            }
            List<JsonNode> events = service.events(service.streams.logs());
            assertThat(events).extracting(e -> e.get("message").asText()).doesNotHaveDuplicates().hasSize(50)
                    .allMatch(m -> m.startsWith(run + "-"));

            own.client.del(service.streams.logs());
            own.client.set(service.streams.logs(), "not a stream");
            client.send(52, "syslog", message(run, 50));
            assertThat(client.next(Duration.ofSeconds(2))).as("no rsp while Redis refuses the frame").isEmpty();
            assertThat(own.client.get(service.streams.logs())).isEqualTo("not a stream");

            own.client.del(service.streams.logs());
            assertThat(client.next(Duration.ofSeconds(10))).as("answered once it could be stored")
                    .contains(new RelpClient.Received(52, "rsp", "200 OK"));
            assertThat(service.events(service.streams.logs())).extracting(e -> e.get("message").asText())
                    .containsExactly(run + "-50");
            assertThat(own.client.xlen(service.streams.logsDlq())).isZero();
        }
    }

    /**
     * Graceful stop with frames in flight: the receivers stop while a client has written 2,000 frames. Every frame
     * the receivers read is stored and answered 200 before serverclose; what they did not read is neither stored
     * nor answered (the client resends it). Reconciliation: the set of answered TXNRs equals the set of stored
     * messages, no duplicates, and answers are a gap-free run from TXNR 2.
     */
    @Test
    void aStopAnswersWhatWasReadThenSendsServerclose(RedisService redis) throws Exception {
        ReceiversUnderTest service = start(redis, "stop");
        try (RelpClient client = RelpClient.connect(port(service))) {
            client.open();
            String run = "stop-" + System.nanoTime();
            StringBuilder frames = new StringBuilder();
            for (int i = 0; i < 2000; i++) {
                frames.append(new String(RelpClient.frame(i + 2, "syslog", message(run, i)), StandardCharsets.UTF_8));
            }
            client.send(frames.toString().getBytes(StandardCharsets.UTF_8));
            await("the receivers read some of the frames").atMost(Duration.ofSeconds(10))
                    .until(() -> service.length(service.streams.logs()) > 0);
            CompletableFuture<Void> stopped = CompletableFuture.runAsync(service.receivers::close);
            List<RelpClient.Received> answers = client.drain(Duration.ofSeconds(15));
            stopped.get(30, TimeUnit.SECONDS);

            assertThat(answers).last().extracting(RelpClient.Received::command).isEqualTo("eof");
            assertThat(answers.get(answers.size() - 2)).isEqualTo(new RelpClient.Received(0, "serverclose", ""));
            List<RelpClient.Received> rsps = answers.subList(0, answers.size() - 2);
            for (int i = 0; i < rsps.size(); i++) {
                assertThat(rsps.get(i)).isEqualTo(new RelpClient.Received(i + 2, "rsp", "200 OK"));
            }
            Set<String> answered = new HashSet<>();
            rsps.forEach(r -> answered.add(run + "-" + (r.txnr() - 2)));
            List<String> stored = service.events(service.streams.logs()).stream()
                    .map(e -> e.get("message").asText()).toList();
            System.out.printf("RELP stop: %d of 2000 frames read, stored and answered before serverclose%n",
                    rsps.size());
            assertThat(stored).doesNotHaveDuplicates();
            assertThat(new HashSet<>(stored)).isEqualTo(answered);
        } finally {
            service.redis.del(service.streams.logs(), service.streams.logsDlq());
        }
    }

    /** RELP over TLS (KILLKRILL_RELP_TLS with the syslog TLS PEM files): opened, a frame stored and answered. */
    @Test
    void relpOverTls(RedisService redis, @TempDir Path dir) throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        SyslogTlsIT.selfSigned(cert, key);
        try (ReceiversUnderTest service = ReceiversUnderTest.start(redis, "relp-tls",
                c -> c.withRelp(new ReceiversConfig.Relp(0, Optional.of(new ReceiversConfig.Pem(cert, key)))))) {
            SSLSocket socket = (SSLSocket) SyslogTlsIT.trusting(cert).getSocketFactory()
                    .createSocket("127.0.0.1", port(service));
            socket.startHandshake();
            try (RelpClient client = new RelpClient(socket)) {
                client.open();
                client.send(2, "syslog", "<14>1 2026-11-25T10:00:00Z host tlsapp - - - relp over tls");
                assertThat(client.next(Duration.ofSeconds(10)).orElseThrow())
                        .isEqualTo(new RelpClient.Received(2, "rsp", "200 OK"));
            }
            List<DeadLetter> none = deadLetters(service);
            assertThat(none).isEmpty();
            assertThat(service.events(service.streams.logs())).extracting(e -> e.get("message").asText())
                    .containsExactly("relp over tls");
            assertThat(service.events(service.streams.logs()).get(0).get("syslog").toString()).isNotEmpty();
        }
    }
}
