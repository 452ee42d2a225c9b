package io.killkrill.metricsworker;

import io.killkrill.service.ServiceMain;

/**
 * The metrics-worker process, run by the one {@link ServiceMain}: a schema that does not match the mapping exits 3,
 * PostgreSQL unreachable at start exits 1; SIGTERM finishes the batch in hand (commit, acknowledge) and exits 0.
 */
public final class MetricsWorkerMain {
    private MetricsWorkerMain() {
    }

    public static void main(String[] args) {
        ServiceMain.run(MetricsWorkerSettings.DEFINITION,
                (config, environment) -> new MetricsWorker(MetricsWorkerConfig.from(config)));
    }
}
