package io.killkrill.logworker;

import io.killkrill.service.ServiceMain;

/**
 * The log-worker process, run by the one {@link ServiceMain}. SIGTERM (or Ctrl-C) stops reading, lets the batches
 * in flight finish and be acknowledged, and exits with status 0.
 */
public final class LogWorkerMain {
    private LogWorkerMain() {
    }

    public static void main(String[] args) {
        ServiceMain.run(LogWorkerSettings.DEFINITION,
                (config, environment) -> new LogWorker(LogWorkerConfig.from(config)));
    }
}
