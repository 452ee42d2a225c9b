package io.killkrill.logworker;

import io.killkrill.config.Config;
import io.killkrill.config.ConfigLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CountDownLatch;

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
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            worker.close();
            stopped.countDown();
            // a JVM ended by SIGTERM reports 143; the batch in flight was acknowledged, so this is a clean stop
            Runtime.getRuntime().halt(0);
        }, "log-worker-shutdown"));
        stopped.await();
    }
}
