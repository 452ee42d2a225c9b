package io.killkrill.it.logworker;

import io.killkrill.it.support.FreePorts;
import io.killkrill.it.support.FaultProxy;
import io.killkrill.it.support.ElasticsearchExtension;
import io.killkrill.it.support.ElasticsearchService;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.it.support.ServiceJar;
import io.killkrill.it.support.TestServices;
import io.killkrill.logworker.LogWorker;
import io.killkrill.model.LogEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The shaded log-worker jar as a real process: killed with SIGKILL in the middle of a batch (its entries stay
 * pending and another worker claims them), and stopped with SIGTERM (it finishes and acknowledges its batch
 * and exits 0). Each test reconciles exactly: sent = distinct documents, no dead letters, nothing pending.
 */
@ExtendWith({RedisExtension.class, ElasticsearchExtension.class})
class WorkerProcessIT {
    private static final Path JAR = TestServices.repoRoot().resolve("log-worker/target/log-worker-0.1.0-SNAPSHOT-all.jar");

    private LogStreamFixture fixture;
    private FaultProxy proxy;
    private final List<Process> processes = new ArrayList<>();

    @BeforeEach
    void setUp(RedisService redis, ElasticsearchService elasticsearch) throws Exception {
        fixture = new LogStreamFixture(redis, elasticsearch, "lw-process");
        proxy = new FaultProxy(elasticsearch.uri());
        assertThat(JAR).as("the shaded jar is built before the ITs").exists();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Process process : processes) {
            process.destroyForcibly();
        }
        proxy.close();
        fixture.cleanUp();
    }

    @Test
    void aWorkerKilledMidBatchLosesNothingAndDuplicatesNothing() throws Exception {
        String victim = "crash-victim";
        Process worker = startWorker(victim, proxy.uri(), Map.of("KILLKRILL_ELASTICSEARCH_REQUEST_TIMEOUT", "120s"));
        List<LogEvent> sent = new ArrayList<>(fixture.writeEvents(300));
        await("the worker process indexed the first 300").atMost(Duration.ofSeconds(60))
                .until(() -> fixture.documentCount() == 300 && fixture.pending() == 0);

        proxy.mode(FaultProxy.Mode.BLACKHOLE); // the next bulk request hangs: a batch is in flight
        sent.addAll(fixture.writeEvents(700));
        await("the victim holds a batch in flight").atMost(Duration.ofSeconds(30))
                .until(() -> pendingOf(victim) > 0);
        worker.destroyForcibly(); // SIGKILL on Linux
        assertThat(worker.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(worker.exitValue()).as("killed by SIGKILL").isEqualTo(137);
        long orphaned = pendingOf(victim);
        assertThat(orphaned).as("entries the dead worker left pending").isPositive();

        try (LogWorker survivor = new LogWorker(fixture.config().withClaimIdle(Duration.ofMillis(500))).start()) {
            await("the survivor claimed the orphaned entries and indexed everything").atMost(Duration.ofSeconds(60))
                    .until(() -> fixture.documentCount() == 1000 && fixture.pending() == 0);
            assertThat(survivor.registry().get("killkrill.log_worker.stream.claimed").counter().count())
                    .isGreaterThanOrEqualTo(orphaned);
        }
        assertThat(fixture.documentIds()).hasSize(1000)
                .isEqualTo(sent.stream().map(LogEvent::eventId).collect(Collectors.toSet()));
        assertThat(fixture.deadLetterCount()).isZero();
    }

    @Test
    void sigtermFinishesAndAcknowledgesTheBatchInFlightAndExitsZero() throws Exception {
        String name = "sigterm-worker";
        List<LogEvent> sent = fixture.writeEvents(3000);
        Process worker = startWorker(name, fixture.elasticsearch.uri(), Map.of("KILLKRILL_LOG_WORKER_BATCH_SIZE", "50"));
        await("the worker is indexing").atMost(Duration.ofSeconds(60)).until(() -> fixture.documentCount() > 0);

        worker.destroy(); // SIGTERM

        assertThat(worker.waitFor(60, TimeUnit.SECONDS)).as("the worker exited").isTrue();
        assertThat(worker.exitValue()).isZero();
        assertThat(pendingOf(name)).as("the batch in flight was acknowledged before exiting").isZero();
        try (LogWorker rest = new LogWorker(fixture.config()).start()) {
            await("another worker indexes the rest").atMost(Duration.ofSeconds(60))
                    .until(() -> fixture.documentCount() == 3000 && fixture.pending() == 0);
        }
        Set<String> ids = fixture.documentIds();
        assertThat(ids).hasSize(3000).isEqualTo(sent.stream().map(LogEvent::eventId).collect(Collectors.toSet()));
        assertThat(fixture.deadLetterCount()).isZero();
    }

    private long pendingOf(String consumer) {
        Map<String, Long> byConsumer = fixture.jedis().xpending(fixture.streams.logs(), fixture.streams.logGroup())
                .getConsumerMessageCount();
        return byConsumer == null ? 0 : byConsumer.getOrDefault(consumer, 0L);
    }

    private Process startWorker(String consumer, URI elasticsearch, Map<String, String> extra) throws IOException {
        Path log = Files.createTempFile("log-worker-" + consumer, ".log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString()));
        command.addAll(ServiceJar.shippedOptions("log-worker"));
        command.addAll(List.of("-jar", JAR.toString()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(key -> key.startsWith("KILLKRILL_"));
        env.put("KILLKRILL_REDIS_URL", fixture.redis.uri().toString());
        env.put("KILLKRILL_LOGS_STREAM", fixture.streams.logs());
        env.put("KILLKRILL_LOGS_DLQ", fixture.streams.logsDlq());
        env.put("KILLKRILL_LOG_GROUP", fixture.streams.logGroup());
        env.put("KILLKRILL_ELASTICSEARCH_URL", elasticsearch.toString());
        env.put("KILLKRILL_ELASTICSEARCH_INDEX_PREFIX", fixture.indexPrefix);
        env.put("KILLKRILL_CONSUMER_NAME", consumer);
        env.put("KILLKRILL_LOG_WORKER_CONCURRENCY", "1");
        env.put("KILLKRILL_LOG_WORKER_BATCH_SIZE", "100");
        env.put("KILLKRILL_LOG_WORKER_BLOCK_TIME", "200ms");
        env.put("KILLKRILL_LOG_WORKER_ADMIN_PORT", Integer.toString(FreePorts.next()));
        env.put("KILLKRILL_LOG_WORKER_ENVIRONMENT", "it");
        env.putAll(extra);
        Process process = builder.start();
        processes.add(process);
        System.out.println("log-worker process " + consumer + " (pid " + process.pid() + ") logs to " + log);
        return process;
    }

}
