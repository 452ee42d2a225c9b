package io.killkrill.metricsworker;

import io.killkrill.config.Config;
import io.killkrill.config.ConfigLoader;
import io.killkrill.config.StopSignal;
import io.killkrill.metricsworker.store.SchemaMismatchException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;



public final class MetricsWorkerMain {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsWorkerMain.class);
    /** Exit status when the database schema does not match the mapping. */
    public static final int EXIT_SCHEMA_MISMATCH = 3;
    /** Exit status when start-up failed for another reason (unreachable service, port in use). */
    public static final int EXIT_START_FAILED = 1;

    private MetricsWorkerMain() {
    }

    public static void main(String[] args) {
        Config config = ConfigLoader.loadOrExit(MetricsWorkerSettings.DEFINITION, System.getenv());
        LOG.info("metrics-worker starting with configuration:\n{}", config.describe());
        MetricsWorker worker = new MetricsWorker(MetricsWorkerConfig.from(config));
        try {
            worker.start();
        } catch (SchemaMismatchException e) {
            LOG.error("stage=persist refusing to start: {}", e.getMessage());
            System.err.println("metrics-worker: refusing to start, " + e.getMessage());
            System.exit(EXIT_SCHEMA_MISMATCH);
        } catch (RuntimeException e) {
            LOG.error("metrics-worker failed to start", e);
            System.exit(EXIT_START_FAILED);
        }
        // SIGTERM / SIGINT: finish the batch in hand (commit, acknowledge), then exit 0
        try {
            StopSignal.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("metrics-worker stopping: committing and acknowledging the batch in hand");
        worker.close();
        LOG.info("metrics-worker stopped");
        System.exit(0);
    }
}
