package io.killkrill.it.metricsworker;

import io.killkrill.config.RedisEndpoint;
import io.killkrill.it.support.ServiceJar;
import io.killkrill.metricsworker.MetricsWorkerConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** The metrics-worker as a separate process, from the shaded jar, configured through its environment. */
final class MetricsWorkerProcess implements AutoCloseable {
    private final Process process;
    private final Path log;

    private MetricsWorkerProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    static MetricsWorkerProcess start(MetricsWorkerConfig config, int adminPort) throws IOException {
        Map<String, String> env = new HashMap<>();
        env.put("KILLKRILL_REDIS_URL", ((RedisEndpoint.Standalone) config.redis()).url().toString());
        env.put("KILLKRILL_METRICS_STREAM", config.streams().metrics());
        env.put("KILLKRILL_METRICS_DLQ", config.streams().metricsDlq());
        env.put("KILLKRILL_METRICS_GROUP", config.streams().metricsGroup());
        env.put("KILLKRILL_DATABASE_URL", config.databaseUrl());
        env.put("KILLKRILL_DATABASE_USER", config.databaseUser());
        env.put("KILLKRILL_DATABASE_PASSWORD", config.databasePassword());
        env.put("KILLKRILL_DATABASE_SCHEMA", config.databaseSchema());
        env.put("KILLKRILL_DATABASE_CONNECT_TIMEOUT", config.databaseConnectTimeout().toMillis() + "ms");
        env.put("KILLKRILL_METRICS_WORKER_ADMIN_PORT", Integer.toString(adminPort));
        env.put("KILLKRILL_METRICS_WORKER_BATCH_SIZE", Integer.toString(config.batchSize()));
        env.put("KILLKRILL_METRICS_WORKER_BLOCK_TIME", config.readBlock().toMillis() + "ms");
        env.put("KILLKRILL_CLAIM_IDLE_MS", Long.toString(config.claimIdle().toMillis()));
        env.put("KILLKRILL_METRICS_WORKER_WINDOWS", config.windows().stream().map(d -> d.toSeconds() + "s")
                .collect(Collectors.joining(",")));
        env.put("KILLKRILL_FAULT_INJECTION", config.faultInjection().name().toLowerCase());
        Path log = Files.createTempFile("metrics-worker", ".log");
        return new MetricsWorkerProcess(ServiceJar.of("metrics-worker").start(env, log, ServiceJar.FAST_START), log);
    }

    Process process() {
        return process;
    }

    String output() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws IOException {
        process.destroyForcibly();
        Files.deleteIfExists(log);
    }
}
