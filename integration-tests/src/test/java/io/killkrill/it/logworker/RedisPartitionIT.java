package io.killkrill.it.logworker;

import io.killkrill.it.support.ElasticsearchExtension;
import io.killkrill.it.support.ElasticsearchService;
import io.killkrill.it.support.FaultProxy;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.logworker.LogWorker;
import io.killkrill.model.LogEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A partition between the log-worker and Redis that loses replies without closing any connection (a proxy that
 * swallows bytes; in production a firewall or NAT entry that forgot the connection): the consumer gives up a
 * blocking read whose reply never comes after its block time plus a margin ({@code RedisClients}) and reads again
 * on a fresh connection. Jedis waits for a blocking command's reply with no socket timeout unless told otherwise:
 * without that bound the read-ahead thread waits for good and the worker never reads the stream again, which is
 * what this test would show by timing out.
 *
 * <p>Reconciliation: the event written before the partition and the 300 written after it (straight to Redis, not
 * through the proxy) are the documents Elasticsearch holds, by event ID, with nothing pending and nothing
 * dead-lettered.
 */
@ExtendWith({RedisExtension.class, ElasticsearchExtension.class})
class RedisPartitionIT {
    private LogStreamFixture fixture;
    private FaultProxy proxy;

    @BeforeEach
    void setUp(RedisService redis, ElasticsearchService elasticsearch) throws Exception {
        fixture = new LogStreamFixture(redis, elasticsearch, "lw-partition");
        proxy = new FaultProxy(redis.uri());
    }

    @AfterEach
    void tearDown() throws Exception {
        proxy.close();
        fixture.cleanUp();
    }

    @Test
    void aBlockingReadWhoseReplyIsLostIsGivenUpAndReadingResumes() {
        URI throughProxy = URI.create("redis://127.0.0.1:" + proxy.uri().getPort());
        try (LogWorker worker = new LogWorker(fixture.config().withRedisUrl(throughProxy)).start()) {
            List<LogEvent> before = fixture.writeEvents(1);
            await("the worker reads the stream").atMost(Duration.ofSeconds(30))
                    .until(() -> fixture.documentCount() == 1 && fixture.pending() == 0);

            // the consumer is idle again, reading with XREADGROUP BLOCK 200: lose what passes either way
            proxy.mode(FaultProxy.Mode.BLACKHOLE);
            await("a command or a reply was lost").atMost(Duration.ofSeconds(10))
                    .until(() -> proxy.swallowedBytes() > 0);
            proxy.mode(FaultProxy.Mode.FORWARD);
            List<LogEvent> sent = new ArrayList<>(before);
            sent.addAll(fixture.writeEvents(300));

            await("the 300 events written after the partition are indexed too").atMost(Duration.ofSeconds(60))
                    .until(() -> fixture.documentCount() == 301 && fixture.pending() == 0);
            assertThat(fixture.documentIds()).isEqualTo(sent.stream().map(LogEvent::eventId)
                    .collect(Collectors.toSet()));
            assertThat(fixture.deadLetterCount()).isZero();
        }
    }
}
