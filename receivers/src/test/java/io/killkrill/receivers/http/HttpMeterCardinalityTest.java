package io.killkrill.receivers.http;

import io.killkrill.receivers.ReceiverMetrics;
import io.killkrill.receivers.enqueue.BacklogMonitor;
import io.killkrill.receivers.enqueue.FlowGate;
import io.killkrill.receivers.enqueue.IdempotencyStore;
import io.killkrill.receivers.enqueue.StreamWriter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14, item 3: the HTTP meter tagged each request by its raw path, so 20,000 distinct paths grew /metrics from
 * 9.9 KB to 4.65 MB. Here 20,000 requests to 20,000 distinct paths (unknown paths, the real routes with distinct
 * query strings, absolute-form targets) go through the receivers' real HTTP stages on an {@link EmbeddedChannel},
 * and /metrics is scraped through the same stages after 100 of them and after all: the set of series must be the
 * same and the scrape must not grow by more than the digits of the counts. Redis is unreachable (port 1); none of
 * these requests reach it.
 */
class HttpMeterCardinalityTest {
    private static final String KEY = "the-right-key-0123456789";
    private static final int FEW = 100;
    private static final int MANY = 20_000;
    /** Room for the counts, sums and maxima having more digits after 20,000 requests than after 100. */
    private static final int DIGITS_SLACK = 1024;

    private StreamWriter writer;
    private BacklogMonitor backlog;
    private IdempotencyStore idempotency;
    private EmbeddedChannel channel;

    @BeforeEach
    void stages() {
        ReceiverMetrics metrics = new ReceiverMetrics();
        writer = new StreamWriter(URI.create("redis://127.0.0.1:1"), "logs", metrics);
        backlog = new BacklogMonitor(writer, "logs", "metrics", 1000, metrics);
        FlowGate gate = new FlowGate(writer, backlog, "logs", metrics);
        idempotency = new IdempotencyStore(writer, "logs", Duration.ofHours(24));
        HttpStages stages = new HttpStages(new HttpSettings(0, 64 * 1024, 100, "logs", "metrics", 1 << 20,
                Duration.ofSeconds(30), Duration.ofSeconds(30), List.of(KEY)), writer, gate, idempotency, metrics);
        channel = new EmbeddedChannel();
        stages.install(channel.pipeline());
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
        idempotency.close();
        backlog.close();
        writer.close();
    }

    /** Request {@code i}: a distinct target every time, cycling through the ways a client can name one. */
    private static String request(int i) {
        String target = switch (i % 5) {
            case 0 -> "/probe/" + i;
            case 1 -> "/api/v1/logs/" + i;
            case 2 -> "/api/v1/logs?attempt=" + i;
            case 3 -> "http://host-" + i + ".example/health/ready?x=" + i;
            default -> "/health/live?probe=" + i;
        };
        String method = i % 5 == 2 ? "POST" : "GET";
        return method + " " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
    }

    private String exchange(String request) {
        RawHttp.send(channel, request);
        return RawHttp.output(channel);
    }

    private String scrape() {
        String response = exchange("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 200");
        return response.substring(response.indexOf("\r\n\r\n") + 4);
    }

    /** Every series of a scrape: its name and labels, without its value. */
    private static Set<String> series(String scrape) {
        return scrape.lines().filter(line -> !line.startsWith("#") && !line.isBlank())
                .map(line -> line.substring(0, line.lastIndexOf(' '))).collect(Collectors.toSet());
    }

    @Test
    void twentyThousandDistinctPathsLeaveTheSeriesAndTheScrapeAsTheyWereAfterAHundred() {
        scrape(); // the scrape's own series exist from here on
        for (int i = 0; i < FEW; i++) {
            assertThat(exchange(request(i))).startsWith("HTTP/1.1 ");
        }
        String afterFew = scrape();
        for (int i = FEW; i < MANY; i++) {
            exchange(request(i));
        }
        String afterMany = scrape();

        Set<String> httpSeries = series(afterMany).stream()
                .filter(s -> s.startsWith("killkrill_receivers_http_request_seconds")).collect(Collectors.toSet());
        System.out.printf("scrape after %d distinct paths: %d bytes, after %d: %d bytes; %d series of the HTTP"
                + " meter%n", FEW, afterFew.length(), MANY, afterMany.length(), httpSeries.size());
        assertThat(afterMany.length()).as("scrape size after %d distinct paths (after %d: %d bytes)", MANY, FEW,
                afterFew.length()).isLessThan(afterFew.length() + DIGITS_SLACK);
        assertThat(httpSeries).as("series of the HTTP meter after %d distinct paths", MANY)
                .isNotEmpty().allMatch(s -> s.matches(".*path=\"(/api/v1/logs|/api/v1/metrics|/health/live"
                        + "|/health/ready|/metrics|other)\".*"));
        assertThat(series(afterMany)).as("series after %d distinct paths, compared with after %d", MANY, FEW)
                .isEqualTo(series(afterFew));
    }
}
