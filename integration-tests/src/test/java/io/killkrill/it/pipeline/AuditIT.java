package io.killkrill.it.pipeline;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.search.Hit;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.killkrill.it.support.DeadLetterToolProcess;
import io.killkrill.it.support.FaultProxy;
import io.killkrill.it.support.PipelineProcesses;
import io.killkrill.model.AuditSlot;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code killkrill audit} against a pipeline that went through a worker SIGKILL and an Elasticsearch outage:
 * the receivers count what they accept per minute in the same atomic Redis step that stores it; the audit
 * (the log-worker's and metrics-worker's {@code LogAudit} / {@code MetricsAudit}, as processes, the way
 * {@code ./killkrill audit} runs them) compares with Elasticsearch, PostgreSQL, the dead letters and what is
 * pending. Traffic: every second 40 HTTP logs, 10 syslog TCP logs and 20 samples, for at least
 * {@code killkrill.audit.trafficSeconds} (default 30) and until it was received in two minutes (a send started in
 * a later minute than the one the first send was answered in: 30 to 61 s, 37.5 s on average); the log-worker is
 * SIGKILLed at 4 s and restarted as a new consumer, Elasticsearch refused for 20 s from 8 s.
 * Proof: after the usual exact reconciliation (indexed = sent, no duplicate; stored samples = sent), both audits
 * exit 0 with every minute reconciled and the accepted totals equal to what was sent; after 5 documents are
 * deleted straight from Elasticsearch (3 from the earliest minute, 2 from the latest), the log audit exits 1
 * and names exactly those two minutes, missing 3 and 2.
 */
class AuditIT extends PipelineScenario {
    private static final int HTTP_LOGS = 40;
    private static final int SYSLOG_LOGS = 10;
    private static final int SAMPLES = 20;
    private static final Pattern MISSING = Pattern.compile("^\\s+(\\S+)\\s+\\d+\\s+\\d+\\s+\\d+\\s+\\d+\\s+\\d+\\s+MISSING (\\d+)$",
            Pattern.MULTILINE);


    @Override
    protected PipelineProcesses.Stores stores() throws Exception {
        return storesBehindElasticsearchProxy();
    }

    @Override
    protected void startServices() {
        receivers = pipeline.receivers(Map.of());
        logWorkers.add(pipeline.logWorker("", Map.of("KILLKRILL_ELASTICSEARCH_REQUEST_TIMEOUT", "2s",
                "KILLKRILL_CLAIM_IDLE_MS", "5000")));
        metricsWorkers.add(pipeline.metricsWorker("mw-1", Map.of()));
        PipelineProcesses.startAll(receivers, logWorkers.get(0), metricsWorkers.get(0));
    }

    @Test
    void everyMinuteReconcilesThroughAWorkerKillAndAnOutageAndDeletedDocumentsAreNamedByMinute() throws Exception {
        String run = run("audit");
        Duration traffic = Duration.ofSeconds(Long.getLong("killkrill.audit.trafficSeconds", 30));
        Instant since = Instant.now().minusSeconds(60);
        AtomicInteger logs = new AtomicInteger();
        AtomicInteger samples = new AtomicInteger();
        // the receipt minutes the traffic spans at least: the first send's answer and the latest send's start
        AtomicLong firstAnsweredMinute = new AtomicLong(Long.MAX_VALUE);
        AtomicLong latestStartedMinute = new AtomicLong(Long.MIN_VALUE);
        ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor();
        long start = System.nanoTime();
        try {
            sender.scheduleAtFixedRate(() -> {
                try {
                    latestStartedMinute.set(AuditSlot.minuteOf(Instant.now()));
                    int from = logs.get();
                    assertThat(postLogs(logLines(run, from, from + HTTP_LOGS)).accepted()).isEqualTo(HTTP_LOGS);
                    List<String> syslog = new ArrayList<>();
                    for (int i = 0; i < SYSLOG_LOGS; i++) {
                        syslog.add(rfc5424(run, run + "-syslog-" + (from + i)));
                    }
                    syslogTcp(syslog);
                    logs.addAndGet(HTTP_LOGS + SYSLOG_LOGS);
                    int first = samples.get();
                    assertThat(postMetrics(metricLines(run, first, first + SAMPLES)).accepted()).isEqualTo(SAMPLES);
                    samples.addAndGet(SAMPLES);
                    firstAnsweredMinute.compareAndSet(Long.MAX_VALUE, AuditSlot.minuteOf(Instant.now()));
                } catch (Exception | AssertionError e) {
                    throw new IllegalStateException("sending failed", e);
                }
            }, 0, 1, TimeUnit.SECONDS);

            awaitTraffic(start, Duration.ofSeconds(4));
            logWorkers.get(0).kill();
            logWorkers.get(0).start().awaitReady();
            awaitTraffic(start, Duration.ofSeconds(8));
            elasticsearchProxy.mode(FaultProxy.Mode.REFUSE);
            long outageStart = System.nanoTime();
            await("20 s of Elasticsearch refused").atMost(Duration.ofSeconds(50)).pollInterval(Duration.ofMillis(100))
                    .until(() -> System.nanoTime() - outageStart >= TimeUnit.SECONDS.toNanos(20));
            elasticsearchProxy.mode(FaultProxy.Mode.FORWARD);
            await(traffic.toSeconds() + " s of traffic, received in two minutes at least")
                    .atMost(traffic.plusSeconds(90)).pollInterval(Duration.ofMillis(100))
                    .until(() -> System.nanoTime() - start >= traffic.toNanos()
                            && latestStartedMinute.get() > firstAnsweredMinute.get());
        } finally {
            sender.shutdown();
            assertThat(sender.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
        int sentLogs = logs.get();
        int sentSamples = samples.get();
        awaitLogs(run, sentLogs, 0, Duration.ofSeconds(180));
        awaitSamples(run, sentSamples, Duration.ofSeconds(120));
        assertThat(duplicateMessages(run)).isEmpty();
        await("both groups drained").atMost(Duration.ofSeconds(60)).until(() -> logsDrained() && metricsDrained());

        Map<String, String> env = logWorkers.get(0).environment();
        DeadLetterToolProcess.Result logAudit = audit("log-worker", "io.killkrill.logworker.LogAudit", env,
                "--since", since.toString(), "--service", run);
        assertThat(logAudit.exitStatus()).as(logAudit.output()).isZero();
        assertThat(logAudit.output()).contains("every minute reconciled (" + sentLogs + " accepted)");
        assertThat(logAudit.output().lines().filter(l -> l.endsWith(" ok")).count()).as(logAudit.output())
                .isGreaterThanOrEqualTo(2);
        DeadLetterToolProcess.Result metricsAudit = audit("metrics-worker", "io.killkrill.metricsworker.MetricsAudit",
                metricsWorker().environment(), "--since", since.toString());
        assertThat(metricsAudit.exitStatus()).as(metricsAudit.output()).isZero();
        assertThat(metricsAudit.output()).contains("every minute reconciled (" + sentSamples + " accepted)");

        Map<String, Integer> deleted = deleteFromFirstAndLastMinute(run, 3, 2);
        DeadLetterToolProcess.Result afterDelete = audit("log-worker", "io.killkrill.logworker.LogAudit", env,
                "--since", since.toString(), "--service", run);
        assertThat(afterDelete.exitStatus()).as(afterDelete.output()).isEqualTo(1);
        Map<String, Integer> named = new TreeMap<>();
        Matcher m = MISSING.matcher(afterDelete.output());
        while (m.find()) {
            named.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        assertThat(named).as(afterDelete.output()).isEqualTo(deleted);
        assertThat(afterDelete.output()).contains("2 of ").contains("docs/operations.md");
    }

    private static DeadLetterToolProcess.Result audit(String module, String main, Map<String, String> env,
                                                     String... args) {
        return DeadLetterToolProcess.run(module, main, env, args);
    }

    private static void awaitTraffic(long start, Duration elapsed) {
        await(elapsed.toSeconds() + " s of traffic").atMost(elapsed.plusSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> System.nanoTime() - start >= elapsed.toNanos());
    }

    /** Deletes {@code fromFirst} documents of the run's earliest minute of receipt and {@code fromLast} of its latest. */
    private Map<String, Integer> deleteFromFirstAndLastMinute(String run, int fromFirst, int fromLast)
            throws Exception {
        List<Hit<ObjectNode>> hits = new ArrayList<>(documents(run));
        hits.sort(Comparator.comparing(h -> Instant.parse(h.source().get("received_at").asText())));
        List<Hit<ObjectNode>> victims = new ArrayList<>(hits.subList(0, fromFirst));
        victims.addAll(hits.subList(hits.size() - fromLast, hits.size()));
        Map<String, Integer> minutes = new TreeMap<>();
        ElasticsearchClient client = elasticsearch.client();
        for (Hit<ObjectNode> victim : victims) {
            client.delete(d -> d.index(victim.index()).id(victim.id()));
            Instant receivedAt = Instant.parse(victim.source().get("received_at").asText());
            minutes.merge(AuditSlot.startOf(AuditSlot.minuteOf(receivedAt)).toString().substring(0, 16), 1,
                    Integer::sum);
        }
        client.indices().refresh(r -> r.index(indexPattern()));
        return minutes;
    }
}
