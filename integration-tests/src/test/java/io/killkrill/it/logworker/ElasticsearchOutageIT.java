package io.killkrill.it.logworker;

import io.killkrill.it.support.FaultProxy;
import io.killkrill.it.support.ElasticsearchExtension;
import io.killkrill.it.support.ElasticsearchService;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.logworker.LogWorker;
import io.killkrill.model.LogEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Elasticsearch slow (a proxy that accepts and never answers) and then unreachable (a proxy that resets every
 * connection): the worker times out, retries with backoff, acknowledges nothing and dead-letters nothing;
 * once Elasticsearch is back every document is indexed exactly once.
 */
@ExtendWith({RedisExtension.class, ElasticsearchExtension.class})
class ElasticsearchOutageIT {
    private LogStreamFixture fixture;
    private FaultProxy proxy;

    @BeforeEach
    void setUp(RedisService redis, ElasticsearchService elasticsearch) throws Exception {
        fixture = new LogStreamFixture(redis, elasticsearch, "lw-outage");
        proxy = new FaultProxy(elasticsearch.uri());
    }

    @AfterEach
    void tearDown() throws Exception {
        proxy.close();
        fixture.cleanUp();
    }

    @Test
    void aTimedOutElasticsearchIsRetriedUntilItRecoversAndEveryDocumentIsIndexedOnce() {
        try (LogWorker worker = new LogWorker(fixture.config().withElasticsearchUrl(proxy.uri())
                .withRetries(Duration.ofMillis(700), Duration.ofHours(1), Duration.ofMillis(100), Duration.ofMillis(800))).start()) {
            await("the worker installed its template and joined the group").atMost(Duration.ofSeconds(30))
                    .until(() -> !worker.consumerNames().isEmpty());
            proxy.mode(FaultProxy.Mode.BLACKHOLE);
            List<LogEvent> sent = fixture.writeEvents(300);

            await("the worker timed out and retried whole requests").atMost(Duration.ofSeconds(30))
                    .until(() -> requestRetries(worker) >= 3);
            assertThat(fixture.pending()).as("nothing acknowledged while Elasticsearch hangs").isPositive();

            proxy.mode(FaultProxy.Mode.REFUSE);
            double before = requestRetries(worker);
            await("the worker retried against refused connections").atMost(Duration.ofSeconds(30))
                    .until(() -> requestRetries(worker) >= before + 2);
            assertThat(fixture.deadLetterCount()).as("an outage dead-letters nothing").isZero();
            assertThat(fixture.documentCount()).as("nothing reached Elasticsearch during the outage").isZero();

            proxy.mode(FaultProxy.Mode.FORWARD);
            await("all 300 documents indexed once Elasticsearch is back").atMost(Duration.ofSeconds(60))
                    .until(() -> fixture.documentCount() == 300 && fixture.pending() == 0);

            assertThat(fixture.documentIds()).isEqualTo(sent.stream().map(LogEvent::eventId)
                    .collect(Collectors.toSet()));
            assertThat(fixture.deadLetterCount()).isZero();
        }
    }

    private static double requestRetries(LogWorker worker) {
        return worker.registry().get("killkrill.log_worker.retries").tag("scope", "request").counter().count();
    }
}
