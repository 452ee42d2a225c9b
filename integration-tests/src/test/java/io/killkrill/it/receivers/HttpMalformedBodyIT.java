package io.killkrill.it.receivers;

import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Malformed bodies through the real receivers (issue 13): each is answered 400 naming the problem and stores
 * nothing, where before a corrupt chunk header made the first chunk the whole body (202, {@code accepted: 3}, the
 * rest dropped), gzip trailing garbage was ignored, an NDJSON line nested too deep threw a NullPointerException
 * and dropped the connection unanswered, and Prometheus {@code 1d} / {@code 0x1p3} were stored as 1 and 8. Proof:
 * the status and the error text, and the stream's length (0) afterwards.
 */
@ExtendWith(RedisExtension.class)
class HttpMalformedBodyIT {
    private ReceiversUnderTest service;

    @BeforeEach
    void start(RedisService redis) throws Exception {
        service = ReceiversUnderTest.start(redis, "malformed", c -> c);
    }

    @AfterEach
    void stop() {
        service.close();
    }

    private static String event(int i) {
        return "{\"message\":\"chunk-" + i + "\",\"service\":\"s\"}\n";
    }

    @Test
    void aCorruptChunkHeaderIs400AndNothingIsStored() throws IOException {
        String first = event(1) + event(2) + event(3);
        String request = "POST /api/v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(first.length()) + "\r\n" + first + "\r\n"
                + "zz-not-hex\r\n" + event(4) + "\r\n0\r\n\r\n";
        RawHttpResponse response;
        try (Socket socket = new Socket("127.0.0.1", service.receivers.ports().http())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            response = RawHttpResponse.read(in);
        }

        assertThat(response.status()).as(response.body()).isEqualTo(400);
        assertThat(response.body()).contains("the body cannot be read");
        assertThat(service.length(service.streams.logs())).isZero();
    }

    @Test
    void gzipWithTrailingGarbageIs400() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(HttpIngestIT.gzip(event(1).getBytes(StandardCharsets.UTF_8)));
        body.write("trailing".getBytes(StandardCharsets.US_ASCII));

        HttpResponse<String> response = service.post("/api/v1/logs", "application/x-ndjson", body.toByteArray(),
                "Content-Encoding", "gzip");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("8 bytes of trailing data after the gzip stream");
        assertThat(service.length(service.streams.logs())).isZero();
    }

    @Test
    void anNdjsonLineNestedDeeperThan64LevelsIs400NamingTheLine() {
        String deep = "{\"message\":\"m\",\"service\":\"s\",\"attributes\":{\"a\":" + "[".repeat(70) + "]".repeat(70)
                + "}}";

        HttpResponse<String> response = service.post("/api/v1/logs", "application/x-ndjson",
                deep.getBytes(StandardCharsets.UTF_8));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("line 1").contains("nested deeper than the 64 levels");
        assertThat(service.length(service.streams.logs())).isZero();
    }

    @Test
    void prometheusTextWithJavaOnlyNumbersOrARepeatedLabelIs400() {
        HttpResponse<String> response = service.post("/api/v1/metrics", "text/plain; version=0.0.4",
                "a 1d\nb 0x1p3\nc{x=\"1\",x=\"2\"} 3\n".getBytes(StandardCharsets.UTF_8));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("'1d' is not a number", "'0x1p3' is not a number",
                "label x appears twice");
        assertThat(service.length(service.streams.metrics())).isZero();
    }
}
