package io.killkrill.logworker.bench;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.killkrill.config.StreamNames;
import io.killkrill.logworker.LogWorker;
import io.killkrill.logworker.LogWorkerConfig;
import io.killkrill.logworker.elasticsearch.ElasticsearchClients;
import io.killkrill.model.IngestContext;
import io.killkrill.model.Json;
import io.killkrill.model.LogEvent;
import io.killkrill.model.LogEventCodec;
import io.killkrill.model.Source;
import io.killkrill.model.Validated;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.StreamEntryID;

import java.net.URI;
import java.time.Duration;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Throughput of the log-worker from a pre-filled stream (not a test: run by hand, figures in the report).
 *
 * <pre>
 * ./mvnw -o -q -pl log-worker exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=io.killkrill.logworker.bench.LogWorkerBenchmark -Dexec.args="200000 2 1000 2"
 * </pre>
 * Arguments: entries, consumer loops, batch size, rounds (in one JVM; all but the last warm the JIT up). Uses KILLKRILL_TEST_REDIS_URL / KILLKRILL_TEST_ELASTICSEARCH_URL
 * or the dev-services defaults.
 */
public final class LogWorkerBenchmark {
    private LogWorkerBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int entries = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int loops = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        for (int round = 1; round <= rounds; round++) {
            System.out.printf("round %d of %d%s%n", round, rounds, round < rounds ? " (warm-up: JIT compilation)" : "");
            runOnce(entries, loops, batch);
        }
    }

    private static void runOnce(int entries, int loops, int batch) throws Exception {
        URI redisUrl = URI.create(System.getenv().getOrDefault("KILLKRILL_TEST_REDIS_URL", "redis://127.0.0.1:16379"));
        URI esUrl = URI.create(System.getenv().getOrDefault("KILLKRILL_TEST_ELASTICSEARCH_URL", "http://127.0.0.1:19200"));
        String run = UUID.randomUUID().toString().substring(0, 8);
        StreamNames streams = StreamNames.prefixed("bench:" + run + ":");
        String prefix = "bench-" + run;

        try (JedisPooled redis = new JedisPooled(redisUrl)) {
            long fillStart = System.nanoTime();
            for (int done = 0; done < entries; ) {
                try (Pipeline pipeline = redis.pipelined()) {
                    for (int i = 0; i < 5_000 && done < entries; i++, done++) {
                        pipeline.xadd(streams.logs(), StreamEntryID.NEW_ENTRY, LogEventCodec.toEntry(event(done)));
                    }
                    pipeline.sync();
                }
            }
            System.out.printf("pre-filled %d entries in %.1f s%n", entries, (System.nanoTime() - fillStart) / 1e9);

            LogWorkerConfig config = LogWorkerConfig.defaults(redisUrl, streams, esUrl, prefix)
                    .withConsumer("bench", loops).withBatch(batch, Duration.ofMillis(200))
                    .withTrimInterval(Duration.ofSeconds(2));
            var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                    .getOperatingSystemMXBean();
            long cpuStart = os.getProcessCpuTime();
            Map<Long, Long> threadCpuStart = threadCpu();
            long start = System.nanoTime();
            try (LogWorker worker = new LogWorker(config).start()) {
                double indexed = 0;
                while (indexed < entries) {
                    TimeUnit.MILLISECONDS.sleep(100);
                    indexed = worker.registry().find("killkrill.log_worker.indexed").counters().stream()
                            .mapToDouble(c -> c.count()).sum();
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                double cpu = (os.getProcessCpuTime() - cpuStart) / 1e9;
                System.out.printf("indexed %d docs in %.2f s: %.0f docs/s (loops=%d, batch=%d); worker CPU %.2f s"
                        + " = %.1f us/doc%n", entries, seconds, entries / seconds, loops, batch, cpu,
                        cpu * 1e6 / entries);
                System.out.println("CPU by thread (Java threads; the rest of the process is GC, JIT and the VM): "
                        + cpuByThread(threadCpuStart));
                var bulk = worker.registry().get("killkrill.log_worker.bulk.latency").timer();
                var sizes = worker.registry().get("killkrill.log_worker.stream.batch.size").summary();
                System.out.printf("bulk requests: %d, mean %.1f ms, total %.1f s; mean batch %.0f entries%n",
                        bulk.count(), bulk.mean(TimeUnit.MILLISECONDS), bulk.totalTime(TimeUnit.SECONDS), sizes.mean());
            }
            ElasticsearchClient es = ElasticsearchClients.create(esUrl, Duration.ofSeconds(30), 2);
            es.indices().refresh(r -> r.index(prefix + "-*"));
            System.out.println("documents in " + prefix + "-*: " + es.count(c -> c.index(prefix + "-*")).count()
                    + ", pending: " + redis.xpending(streams.logs(), streams.logGroup()).getTotal()
                    + ", dead letters: " + redis.xlen(streams.logsDlq()));
            for (String index : es.indices().get(g -> g.index(prefix + "-*")).result().keySet()) {
                es.indices().delete(d -> d.index(index));
            }
            es.indices().deleteIndexTemplate(d -> d.name(prefix + "-killkrill-logs"));
            es._transport().close();
            redis.del(streams.logs(), streams.logsDlq());
        }
    }

    private static Map<Long, Long> threadCpu() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Map<Long, Long> cpu = new HashMap<>();
        for (long id : threads.getAllThreadIds()) {
            cpu.put(id, threads.getThreadCpuTime(id));
        }
        return cpu;
    }

    /** CPU seconds per thread-name family (digits dropped) since {@code start}. */
    private static String cpuByThread(Map<Long, Long> start) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Map<String, Double> byName = new TreeMap<>();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long now = threads.getThreadCpuTime(info.getThreadId());
            double seconds = (now - start.getOrDefault(info.getThreadId(), 0L)) / 1e9;
            byName.merge(info.getThreadName().replaceAll("\\d+", "N"), seconds, Double::sum);
        }
        StringBuilder out = new StringBuilder();
        byName.entrySet().stream().filter(e -> e.getValue() >= 0.05)
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> out.append(String.format("%s %.2f s; ", e.getKey(), e.getValue())));
        return out.toString();
    }

    private static LogEvent event(int n) throws Exception {
        IngestContext context = IngestContext.now(Source.http("10.0.0." + (n % 250) + ":40000"));
        String json = "{\"message\":\"GET /api/orders/" + n + " 200 12ms\",\"service\":\"checkout\",\"level\":\"info\","
                + "\"host\":\"web-" + (n % 8) + "\",\"timestamp\":\"2026-03-04T10:15:30.123Z\","
                + "\"attributes\":{\"order\":\"o-" + n + "\",\"status\":200,\"latency_ms\":12.5}}";
        return ((Validated.Valid<LogEvent>) LogEventCodec.fromInput(Json.MAPPER.readTree(json), context)).value();
    }
}
