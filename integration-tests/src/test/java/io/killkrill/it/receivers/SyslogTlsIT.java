package io.killkrill.it.receivers;

import com.fasterxml.jackson.databind.JsonNode;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.receivers.ReceiversConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Syslog over TLS (RFC 5425) with a self-signed certificate made by openssl for this test. */
@ExtendWith(RedisExtension.class)
class SyslogTlsIT {

    @Test
    void octetCountedMessagesOverTlsAreStored(RedisService redis, @TempDir Path dir) throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        selfSigned(cert, key);

        try (ReceiversUnderTest service = ReceiversUnderTest.start(redis, "tls",
                c -> c.withSyslogTls(new ReceiversConfig.SyslogTls(0, cert, key)))) {
            int port = service.receivers.ports().syslogTls().orElseThrow();
            try (SSLSocket socket = (SSLSocket) trusting(cert).getSocketFactory().createSocket("127.0.0.1", port)) {
                socket.startHandshake();
                OutputStream out = socket.getOutputStream();
                String first = "<14>1 2026-11-25T10:00:00Z host tlsapp - - - over tls one";
                String second = "<14>1 2026-11-25T10:00:01Z host tlsapp - - - over tls two";
                out.write((first.length() + " " + first + second.length() + " " + second)
                        .getBytes(StandardCharsets.UTF_8));
                out.flush();
                await("two events over TLS stored").atMost(Duration.ofSeconds(15))
                        .until(() -> service.length(service.streams.logs()) >= 2);
            }
            List<JsonNode> events = service.events(service.streams.logs());
            assertThat(events).extracting(e -> e.get("message").asText()).containsExactly("over tls one", "over tls two");
            assertThat(events).extracting(e -> e.get("service").asText()).containsOnly("tlsapp");
        }
    }

    /** A self-signed localhost certificate and its key, as PEM files, made by the real openssl. */
    static void selfSigned(Path cert, Path key) throws Exception {
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-keyout", key.toString(), "-out", cert.toString(), "-days", "1", "-subj", "/CN=localhost")
                .redirectErrorStream(true).start();
        String output = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(openssl.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(openssl.exitValue()).as("openssl said %s", output).isZero();
    }

    static SSLContext trusting(Path cert) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(cert)) {
            trust.setCertificateEntry("receivers", (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(in));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }
}
