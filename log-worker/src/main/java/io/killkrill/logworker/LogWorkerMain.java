package io.killkrill.logworker;

import io.killkrill.config.Config;
import io.killkrill.config.ConfigLoader;
import io.killkrill.config.StopSignal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


/**
 * The log-worker process. SIGTERM (or Ctrl-C) stops reading, lets the batches in flight finish and be
 * acknowledged, and exits with status 0.
 */
public final class LogWorkerMain {
    private static final Logger LOG = LoggerFactory.getLogger(LogWorkerMain.class);

    private LogWorkerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Config config = ConfigLoader.loadOrExit(LogWorkerSettings.DEFINITION, System.getenv());
        LOG.info("log-worker starting with configuration:\n{}", config.describe());
        LogWorker worker = new LogWorker(LogWorkerConfig.from(config)).start();
        StopSignal.await();
        worker.close();
        System.exit(0);
    }
}
