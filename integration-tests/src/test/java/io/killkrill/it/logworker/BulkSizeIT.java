package io.killkrill.it.logworker;

import co.elastic.clients.elasticsearch.core.search.Hit;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.killkrill.it.support.ElasticsearchExtension;
import io.killkrill.it.support.ElasticsearchService;
import io.killkrill.it.support.FreePorts;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.it.support.ServiceJar;
import io.killkrill.it.support.ServiceProcess;
import io.killkrill.logworker.LogWorker;
import io.killkrill.model.DeadLetter;
import io.killkrill.model.DeadLetterReason;
import io.killkrill.model.LogEvent;
import io.killkrill.model.LogEventCodec;
import io.killkrill.model.Source;
import io.killkrill.model.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Regression (issue 12, item 2): a batch was one bulk request whatever its size. Twelve 9 MB messages (each
 * within the receivers' 10 MiB limit) put a log-worker at -Xmx256m into an out-of-memory crash loop and, with a
 * larger heap, made Elasticsearch answer 413 forever. Requests are now cut by KILLKRILL_ELASTICSEARCH_MAX_BULK_BYTES.
 */
@ExtendWith({RedisExtension.class, ElasticsearchExtension.class})
class BulkSizeIT {
    private static final Pattern BULK_REQUESTS = Pattern.compile("killkrill_log_worker_bulk_latency_seconds_count\\S* (\\S+)");

    private LogStreamFixture fixture;
    private ServiceProcess process;

    @BeforeEach
    void setUp(RedisService redis, ElasticsearchService elasticsearch) {
        fixture = new LogStreamFixture(redis, elasticsearch, "lw-bulksize");
    }

    @AfterEach
    void tearDown() {
        if (process != null) {
            process.close();
        }
        fixture.cleanUp();
    }

    /**
     * The shaded jar at -Xmx256m (as ServiceJar starts every service) with the default budget (20 MiB) and
     * batch size (1000: all twelve entries in one batch). Proof: the process never died (no OutOfMemoryError in
     * its log, still alive at the end); it sent at least 6 bulk requests (its own counter: two 9 MB documents
     * per 20 MiB request at most); sent = indexed + dead-lettered with 12 = 12 + 0, the indexed _ids equal the
     * sent event IDs, and nothing is pending.
     */
    @Test
    void twelveNineMegabyteEventsAreIndexedInSeveralBulksByAWorkerWith256MegabytesOfHeap() throws Exception {
        Set<String> sent = new HashSet<>();
        for (int i = 0; i < 12; i++) {
            LogEvent event = LogStreamFixture.event("{\"message\":\"" + i + "x".repeat(9_000_000)
                    + "\",\"service\":\"big\"}", Source.http("10.0.0.1:1"));
            fixture.write(LogEventCodec.toEntry(event));
            sent.add(event.eventId());
        }
        int admin = FreePorts.next();
        Map<String, String> env = new HashMap<>();
        env.put("KILLKRILL_REDIS_URL", fixture.redis.uri().toString());
        env.put("KILLKRILL_LOGS_STREAM", fixture.streams.logs());
        env.put("KILLKRILL_LOGS_DLQ", fixture.streams.logsDlq());
        env.put("KILLKRILL_LOG_GROUP", fixture.streams.logGroup());
        env.put("KILLKRILL_ELASTICSEARCH_URL", fixture.elasticsearch.uri().toString());
        env.put("KILLKRILL_ELASTICSEARCH_INDEX_PREFIX", fixture.indexPrefix);
        env.put("KILLKRILL_ELASTICSEARCH_REPLICAS", "0");
        env.put("KILLKRILL_ELASTICSEARCH_REQUEST_TIMEOUT", "60s");
        env.put("KILLKRILL_LOG_WORKER_CONCURRENCY", "1");
        env.put("KILLKRILL_LOG_WORKER_BLOCK_TIME", "200ms");
        env.put("KILLKRILL_LOG_WORKER_ADMIN_PORT", Integer.toString(admin));
        env.put("KILLKRILL_CONSUMER_NAME", "it-bulksize");
        env.put("KILLKRILL_LOG_WORKER_ENVIRONMENT", "it");
        process = new ServiceProcess("log-worker-bulksize", ServiceJar.of("log-worker"), env,
                URI.create("http://127.0.0.1:" + admin + "/health/ready")).start().awaitReady();

        await("12 documents indexed and nothing pending").atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> {
                    assertThat(process.alive()).as("the worker is alive; its log:\n%s", tail(process)).isTrue();
                    return fixture.documentCount() == 12 && fixture.pending() == 0;
                });

        assertThat(process.output()).doesNotContain("OutOfMemoryError");
        assertThat(process.alive()).isTrue();
        assertThat(bulkRequests(admin)).as("bulk requests sent").isGreaterThanOrEqualTo(6);
        assertThat(idsWithoutSource()).isEqualTo(sent);
        assertThat(fixture.deadLetterCount()).isZero();
        assertThat(fixture.pending()).isZero();
    }

    /**
     * In-process with a 1 MiB budget: twenty 300 KB events and one of 2 MB between them. Proof: sent =
     * indexed + dead-lettered with 21 = 20 + 1; the dead letter is the big event, index_rejected at bulk_index
     * with error_type document_too_large, a message saying it was not sent, and 1 attempt (the least a dead
     * letter counts); the indexed _ids equal the other 20; the
     * worker sent at least 6 requests (300 KB x 20 in requests of at most 1 MiB); nothing pending.
     */
    @Test
    void aDocumentLargerThanTheBudgetIsDeadLetteredUnsentAndItsNeighboursIndexed() {
        Set<String> small = new HashSet<>();
        String big = null;
        for (int i = 0; i < 21; i++) {
            boolean huge = i == 10;
            LogEvent event = LogStreamFixture.event("{\"message\":\"" + i + "y".repeat(huge ? 2_000_000 : 300_000)
                    + "\",\"service\":\"big\"}", Source.http("10.0.0.1:1"));
            fixture.write(LogEventCodec.toEntry(event));
            if (huge) {
                big = event.eventId();
            } else {
                small.add(event.eventId());
            }
        }

        double requests;
        try (LogWorker worker = new LogWorker(fixture.config().withMaxBulkBytes(1024 * 1024)).start()) {
            await("20 indexed, 1 dead-lettered, nothing pending").atMost(Duration.ofSeconds(60))
                    .until(() -> fixture.documentCount() == 20 && fixture.deadLetterCount() == 1
                            && fixture.pending() == 0);
            requests = worker.registry().get("killkrill.log_worker.bulk.latency").timer().count();
        }

        assertThat(idsWithoutSource()).isEqualTo(small);
        assertThat(requests).isGreaterThanOrEqualTo(6);
        List<DeadLetter> letters = fixture.deadLetters();
        assertThat(letters).hasSize(1);
        DeadLetter letter = letters.get(0);
        assertThat(letter.original().get("event_id")).isEqualTo(big);
        assertThat(letter.reason()).isEqualTo(DeadLetterReason.INDEX_REJECTED);
        assertThat(letter.stage()).isEqualTo(Stage.BULK_INDEX);
        assertThat(letter.attempts()).isEqualTo(1);
        assertThat(letter.details()).containsEntry("error_type", "document_too_large");
        assertThat(letter.details().get("error_reason")).contains("KILLKRILL_ELASTICSEARCH_MAX_BULK_BYTES", "1048576");
        assertThat(letter.message()).startsWith("not sent to Elasticsearch");
    }

    /** The _ids, without fetching megabytes of _source. */
    private Set<String> idsWithoutSource() {
        try {
            fixture.elasticsearch.client().indices().refresh(r -> r.index(fixture.indexPattern()));
            return fixture.elasticsearch.client().search(s -> s.index(fixture.indexPattern()).size(100)
                    .source(src -> src.fetch(false)), ObjectNode.class).hits().hits().stream().map(Hit::id)
                    .collect(Collectors.toSet());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static double bulkRequests(int admin) throws IOException, InterruptedException {
        HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + admin + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        Matcher m = BULK_REQUESTS.matcher(metrics.body());
        assertThat(m.find()).as(metrics.body()).isTrue();
        return Double.parseDouble(m.group(1));
    }

    private static String tail(ServiceProcess process) {
        String log = process.output();
        return log.substring(Math.max(0, log.length() - 4000));
    }
}
