package io.killkrill.it.receivers;

import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

/** GET /metrics is valid Prometheus exposition (promtool agrees) and carries the receivers' own meters. */
@ExtendWith(RedisExtension.class)
class MetricsEndpointIT {

    @Test
    void promtoolAcceptsTheScrapeAfterTraffic(RedisService redis) throws Exception {
        try (ReceiversUnderTest service = ReceiversUnderTest.start(redis, "metrics", c -> c)) {
            byte[] mixed = "[{\"message\":\"m\",\"service\":\"s\"},{\"message\":\"m\"}]".getBytes(StandardCharsets.UTF_8);
            assertThat(service.post("/api/v1/logs", "application/json", mixed).statusCode()).isEqualTo(202);
            try (Socket socket = new Socket("127.0.0.1", service.receivers.ports().syslogTcp())) {
                OutputStream out = socket.getOutputStream();
                out.write("<13>1 - host app - - - hello\nnot syslog\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
            await("syslog event and dead letter stored").atMost(Duration.ofSeconds(10)).until(() ->
                    service.length(service.streams.logs()) == 2 && service.length(service.streams.logsDlq()) == 1);

            String scrape = service.get("/metrics").body();

            assertThat(scrape)
                    .contains("killkrill_receivers_items_received_total{kind=\"logs\",source=\"http\"} 2.0")
                    .contains("killkrill_receivers_items_accepted_total{kind=\"logs\",source=\"http\"} 1.0")
                    .contains("killkrill_receivers_items_rejected_total{kind=\"logs\",reason=\"invalid_item\","
                            + "source=\"http\"} 1.0")
                    .contains("killkrill_receivers_items_accepted_total{kind=\"logs\",source=\"syslog\"} 1.0")
                    .contains("killkrill_receivers_items_rejected_total{kind=\"logs\",reason=\"syslog_parse_error\","
                            + "source=\"syslog\"} 1.0")
                    .contains("killkrill_receivers_http_request_seconds_count")
                    .contains("killkrill_receivers_xadd_batch_seconds_count")
                    .contains("killkrill_receivers_backlog_entries{stream=\"" + service.streams.logs() + "\"}");
            promtoolCheck(scrape);
        }
    }

    static void promtoolCheck(String scrape) throws IOException, InterruptedException {
        Path promtool = Path.of("/usr/bin/promtool");
        if (!Files.isExecutable(promtool)) {
            fail("promtool is not installed: install it with 'apt-get install -y prometheus' "
                    + "(the package that ships /usr/bin/promtool) so this test can check the /metrics exposition");
        }
        Process process = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
        try (OutputStream stdin = process.getOutputStream()) {
            stdin.write(scrape.getBytes(StandardCharsets.UTF_8));
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("promtool finished").isTrue();
        assertThat(process.exitValue()).as("promtool check metrics said:\n%s", output).isZero();
    }
}
