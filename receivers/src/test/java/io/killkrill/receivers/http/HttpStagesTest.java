package io.killkrill.receivers.http;

import io.killkrill.receivers.ReceiverMetrics;
import io.killkrill.receivers.enqueue.BacklogMonitor;
import io.killkrill.receivers.enqueue.FlowGate;
import io.killkrill.receivers.enqueue.IdempotencyStore;
import io.killkrill.receivers.enqueue.StreamWriter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.killkrill.receivers.http.RawHttp.output;
import static io.killkrill.receivers.http.RawHttp.send;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The HTTP stages on an {@link EmbeddedChannel}, fed raw bytes as a client would write them, answers read back
 * as bytes. Redis is unreachable (port 1), so a request that passes auth and the header checks is answered 503
 * by admission: where a test needs the body read, it swaps admission and ingest for stand-ins that admit
 * everything and answer 202 with the item count. Each test asserts on the exact sequence of status lines, so a
 * stage out of order (auth after the body, a 100 before auth, two answers to one request, an answer missing) fails
 * it.
 */
class HttpStagesTest {
    private static final String KEY = "the-right-key-0123456789";
    private static final String LOGS = "POST /api/v1/logs HTTP/1.1\r\nHost: x\r\n";
    private static final String EVENT = "{\"message\":\"m\",\"service\":\"s\"}";
    private static final Pattern STATUS = Pattern.compile("HTTP/1\\.1 (\\d{3})");

    private static ReceiverMetrics metrics;
    private static StreamWriter writer;
    private static BacklogMonitor backlog;
    private static FlowGate gate;
    private static IdempotencyStore idempotency;

    @BeforeAll
    static void unreachableRedis() {
        metrics = new ReceiverMetrics();
        writer = new StreamWriter(URI.create("redis://127.0.0.1:1"), "logs", metrics);
        backlog = new BacklogMonitor(writer, "logs", "metrics", 1000, metrics);
        gate = new FlowGate(writer, backlog, "logs", metrics);
        idempotency = new IdempotencyStore(writer, "logs", Duration.ofHours(24));
    }

    @AfterAll
    static void close() {
        idempotency.close();
        backlog.close();
        writer.close();
    }

    private static HttpStages stages(long budget, Duration bodyTimeout) {
        return new HttpStages(new HttpSettings(0, 64 * 1024, 100, "logs", "metrics", budget, bodyTimeout,
                Duration.ofSeconds(30), List.of(KEY)), writer, gate, idempotency, new ReceiverMetrics());
    }

    private static EmbeddedChannel channel(HttpStages stages) {
        EmbeddedChannel channel = new EmbeddedChannel();
        stages.install(channel.pipeline());
        return channel;
    }

    /** Admission and ingest replaced: every request is admitted as JSON, and answered 202 with its item count. */
    private static EmbeddedChannel admittingEverything(HttpStages stages) {
        EmbeddedChannel channel = channel(stages);
        channel.pipeline().replace("admission", "admission", new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof HttpExchange exchange) {
                    exchange.reservation().ensure(BodyReader.cost(Math.max(exchange.declaredLength(), 0), false));
                    exchange.admit(new HttpExchange.Admitted(JsonBodyParser::json, "logs", ContentEncoding.IDENTITY));
                }
                ctx.fireChannelRead(msg);
            }
        });
        channel.pipeline().replace("ingest", "ingest", new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                BodyDecoderStage.DecodedBody decoded = (BodyDecoderStage.DecodedBody) msg;
                decoded.exchange().answer(Answer.refusal(HttpResponseStatus.ACCEPTED,
                        "items " + decoded.items().size()));
            }
        });
        return channel;
    }

    /** What the stages write back for {@code requests} sent on one new connection. */
    private static String answersTo(String requests) {
        EmbeddedChannel channel = channel(stages(1 << 20, Duration.ofSeconds(30)));
        send(channel, requests);
        return output(channel);
    }

    private static List<Integer> statuses(String output) {
        List<Integer> codes = new ArrayList<>();
        Matcher m = STATUS.matcher(output);
        while (m.find()) {
            codes.add(Integer.parseInt(m.group(1)));
        }
        return codes;
    }

    private static String post(String extraHeaders, String body) {
        return LOGS + extraHeaders + "Content-Length: " + body.length() + "\r\n\r\n" + body;
    }

    @Test
    void theElasticsearchProbesAnswerWithTheProductHeaderAndHeadSendsTheLengthWithoutTheBody() {
        String out = answersTo("HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /_license HTTP/1.1\r\nHost: x\r\n\r\n");

        assertThat(statuses(out)).containsExactly(200, 200, 200);
        String head = out.substring(0, out.indexOf("HTTP/1.1 200", 1));
        assertThat(head).containsIgnoringCase("X-Elastic-Product: Elasticsearch").endsWith("\r\n\r\n")
                .doesNotContain("tagline");
        assertThat(out).contains("\"number\":\"8.11.0\"").contains("\"type\":\"basic\"");
    }

    @Test
    void aBulkRequestWithoutTheKeyIs401InElasticsearchsErrorShape() {
        String out = answersTo("POST /logs/_bulk HTTP/1.1\r\nHost: x\r\nAuthorization: ApiKey wrong-key-0123456789\r\n"
                + "Content-Type: application/x-ndjson\r\nContent-Length: 2\r\n\r\n{}");

        assertThat(statuses(out)).containsExactly(401);
        assertThat(out).containsIgnoringCase("X-Elastic-Product: Elasticsearch")
                .contains("\"type\":\"security_exception\"").contains("\"status\":401");
    }

    @Test
    void otlpRefusalsAreGoogleRpcStatusBodiesInTheRequestsEncoding() throws Exception {
        String json = answersTo("POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: 2\r\n\r\n{}");
        String proto = answersTo("POST /v1/metrics HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
                + "Content-Length: 0\r\n\r\n");
        String wrongType = answersTo("POST /v1/logs HTTP/1.1\r\nHost: x\r\nX-API-Key: " + KEY + "\r\n"
                + "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi");

        assertThat(statuses(json)).containsExactly(401);
        assertThat(json).containsIgnoringCase("Content-Type: application/json").contains("{\"code\":16,\"message\":\"");
        assertThat(statuses(proto)).containsExactly(401);
        assertThat(proto).containsIgnoringCase("Content-Type: application/x-protobuf");
        byte[] body = proto.substring(proto.indexOf("\r\n\r\n") + 4).getBytes(StandardCharsets.ISO_8859_1);
        com.google.protobuf.CodedInputStream in = com.google.protobuf.CodedInputStream.newInstance(body);
        assertThat(in.readTag()).isEqualTo(1 << 3);
        assertThat(in.readInt32()).isEqualTo(16);
        assertThat(statuses(wrongType)).containsExactly(415);
        assertThat(wrongType).contains("application/x-protobuf, application/json").contains("\"code\":3");
    }

    @Test
    void theStagesAreNamedInPipelineOrder() {
        EmbeddedChannel channel = channel(stages(1 << 20, Duration.ofSeconds(30)));

        assertThat(channel.pipeline().names()).startsWith(HttpStages.NAMES.toArray(String[]::new));
    }

    @Test
    void expectContinueWithAWrongKeyIs401WithoutA100AndTheConnectionCloses() {
        EmbeddedChannel channel = channel(stages(1 << 20, Duration.ofSeconds(30)));

        send(channel, LOGS + "X-API-Key: wrong-key-0123456789\r\nExpect: 100-continue\r\nContent-Length: 30\r\n\r\n");

        String out = output(channel);
        assertThat(statuses(out)).containsExactly(401);
        assertThat(out).containsIgnoringCase("Connection: close").doesNotContain("100 Continue");
    }

    @Test
    void expectContinueWithTheRightKeyGets100ThenTheAnswer() {
        EmbeddedChannel channel = admittingEverything(stages(1 << 20, Duration.ofSeconds(30)));

        send(channel, LOGS + "X-API-Key: " + KEY + "\r\nExpect: 100-continue\r\nContent-Length: " + EVENT.length()
                + "\r\n\r\n");
        assertThat(statuses(output(channel))).containsExactly(100);
        send(channel, EVENT);

        assertThat(statuses(output(channel))).containsExactly(202);
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void headerChecksRunInStageOrderAuthFirst() {
        EmbeddedChannel channel = channel(stages(1 << 20, Duration.ofSeconds(30)));
        String big = "Content-Length: 1000000\r\n";

        // no key + wrong type + too large: auth answers; right key + wrong type + too large: 415;
        // right key + too large: 413; right key, all fine but Redis down: 503 (Retry-After)
        send(channel, LOGS + "Content-Type: text/csv\r\n" + big + "Expect: 100-continue\r\n\r\n");
        channel = channel(stages(1 << 20, Duration.ofSeconds(30)));
        send(channel, LOGS + "X-API-Key: " + KEY + "\r\nContent-Type: text/csv\r\nContent-Length: 2\r\n\r\n{}"
                + LOGS + "X-API-Key: " + KEY + "\r\nContent-Type: application/json\r\nContent-Length: 70000\r\n"
                + "Expect: 100-continue\r\n\r\n");
        String out = output(channel);

        assertThat(statuses(out)).containsExactly(415, 413);
        channel = channel(stages(1 << 20, Duration.ofSeconds(30)));
        send(channel, post("X-API-Key: " + KEY + "\r\n", EVENT));
        out = output(channel);
        assertThat(statuses(out)).containsExactly(503);
        assertThat(out).containsIgnoringCase("Retry-After: 5").contains("Redis is unavailable");
    }

    @Test
    void pipelinedRequestsGetOneAnswerEachInRequestOrder() {
        EmbeddedChannel channel = admittingEverything(stages(1 << 20, Duration.ofSeconds(30)));
        String key = "X-API-Key: " + KEY + "\r\n";

        send(channel, post(key, EVENT)
                + post("", EVENT)                                           // no key
                + "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n"
                + post(key, "[" + EVENT + "," + EVENT + "]")
                + post(key, "{broken")
                + "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /api/v1/logs HTTP/1.1\r\nHost: x\r\n\r\n"              // 405
                + post(key, EVENT));

        String out = output(channel);
        assertThat(statuses(out)).containsExactly(202, 401, 200, 202, 400, 404, 405, 202);
        assertThat(out).contains("items 1").contains("items 2");
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void aCorruptChunkHeaderIs400AndNothingGoesOn() {
        EmbeddedChannel channel = admittingEverything(stages(1 << 20, Duration.ofSeconds(30)));

        send(channel, LOGS + "X-API-Key: " + KEY + "\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(EVENT.length()) + "\r\n" + EVENT + "\r\nzz;\r\n" + EVENT + "\r\n0\r\n\r\n");

        String out = output(channel);
        assertThat(statuses(out)).containsExactly(400);
        assertThat(out).contains("the body cannot be read").doesNotContain("items");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void aChunkedBodyPastTheCapIs413() {
        EmbeddedChannel channel = admittingEverything(stages(1 << 20, Duration.ofSeconds(30)));
        String chunk = " ".repeat(40_000);

        send(channel, LOGS + "X-API-Key: " + KEY + "\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n"
                + Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n0\r\n\r\n");

        String out = output(channel);
        assertThat(statuses(out)).containsExactly(413);
        assertThat(out).contains("exceeds 65536 bytes").containsIgnoringCase("Connection: close");
    }

    @Test
    void aBodyThatFindsNoRoomInTheMemoryBudgetIs503AndHoldsNothing() {
        HttpStages stages = stages(100_000, Duration.ofSeconds(30));
        EmbeddedChannel channel = admittingEverything(stages);
        MemoryBudget.Reservation other = stages.budget().open();
        assertThat(other.ensure(90_000)).isTrue();

        send(channel, post("X-API-Key: " + KEY + "\r\n", "[" + (EVENT + ",").repeat(100) + EVENT + "]"));

        String out = output(channel);
        assertThat(statuses(out)).containsExactly(503);
        assertThat(out).containsIgnoringCase("Retry-After: 5").contains("memory budget");
        assertThat(stages.budget().used()).isEqualTo(90_000);
        other.release();
        assertThat(stages.budget().used()).isZero();
    }

    @Test
    void aBodyThatDoesNotArriveInTimeIs408AndItsBudgetIsGivenBack() {
        HttpStages stages = stages(1 << 20, Duration.ofMillis(200));
        EmbeddedChannel channel = admittingEverything(stages);

        send(channel, LOGS + "X-API-Key: " + KEY + "\r\nContent-Length: 1000\r\n\r\n{\"message\":");
        assertThat(stages.budget().used()).isPositive();
        channel.advanceTimeBy(300, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();

        String out = output(channel);
        assertThat(statuses(out)).containsExactly(408);
        assertThat(out).containsIgnoringCase("Connection: close");
        assertThat(stages.budget().used()).isZero();
    }

    @Test
    void anIdleConnectionAndOneTricklingItsHeadersAreClosed() {
        EmbeddedChannel channel = channel(stages(1 << 20, Duration.ofSeconds(30)));

        send(channel, "POST /api/v1/logs HTTP/1.1\r\nHo");
        channel.advanceTimeBy(31, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();

        assertThat(output(channel)).isEmpty();
        assertThat(channel.isOpen()).isFalse();
    }
}
