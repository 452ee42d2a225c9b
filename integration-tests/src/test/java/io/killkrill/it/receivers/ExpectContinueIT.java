package io.killkrill.it.receivers;

import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code Expect: 100-continue} is answered only after auth and the header checks (issue 13: the 100 went out before
 * the API key was looked at). The client is a raw socket that sends the headers and then waits, as curl does:
 * with a wrong key the first thing it reads must be the 401 (a 100 first fails the test), it never sends the body
 * and nothing is stored; with the right key it reads a 100, only then sends the body, and gets 202 with the item
 * in the stream.
 */
@ExtendWith(RedisExtension.class)
class ExpectContinueIT {
    private static final String KEY = "expect-continue-key-0123";
    private static final String EVENT = "{\"message\":\"expect-marker\",\"service\":\"s\"}";
    private ReceiversUnderTest service;

    @BeforeEach
    void start(RedisService redis) throws Exception {
        service = ReceiversUnderTest.start(redis, "expect", c -> c.withApiKeys(List.of(KEY)));
    }

    @AfterEach
    void stop() {
        service.close();
    }

    private static String head(String key, long length) {
        return "POST /api/v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-API-Key: " + key
                + "\r\nExpect: 100-continue\r\nContent-Length: " + length + "\r\n\r\n";
    }

    @Test
    void aWrongKeyIs401BeforeAny100AndTheBodyIsNeverAskedFor() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", service.receivers.ports().http())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(head("wrong-key-0123456789012", 10_485_760)
                    .getBytes(StandardCharsets.US_ASCII));

            RawHttpResponse first = RawHttpResponse.read(socket.getInputStream());

            assertThat(first.status()).as("the first answer, before any body was sent").isEqualTo(401);
            assertThat(first.closes()).as("the body will not follow: the connection closes").isTrue();
            assertThat(socket.getInputStream().read()).as("nothing after the 401 (no late 100)").isEqualTo(-1);
        }
        assertThat(service.length(service.streams.logs())).isZero();
    }

    @Test
    void theRightKeyGets100ThenTheBodyIsReadAndAnswered202() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", service.receivers.ports().http())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            byte[] body = EVENT.getBytes(StandardCharsets.UTF_8);
            out.write(head(KEY, body.length).getBytes(StandardCharsets.US_ASCII));

            RawHttpResponse interim = RawHttpResponse.read(in);
            assertThat(interim.status()).isEqualTo(100);
            out.write(body);
            RawHttpResponse answer = RawHttpResponse.read(in);

            assertThat(answer.status()).as(answer.body()).isEqualTo(202);
        }
        assertThat(service.events(service.streams.logs())).singleElement()
                .satisfies(e -> assertThat(e.get("message").asText()).isEqualTo("expect-marker"));
    }
}
