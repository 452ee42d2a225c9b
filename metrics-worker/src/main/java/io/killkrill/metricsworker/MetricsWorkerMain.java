package io.killkrill.metricsworker;

import io.killkrill.config.Config;
import io.killkrill.config.ConfigLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class MetricsWorkerMain {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsWorkerMain.class);

    private MetricsWorkerMain() {
    }

    public static void main(String[] args) {
        Config config = ConfigLoader.loadOrExit(MetricsWorkerSettings.DEFINITION, System.getenv());
        LOG.info("metrics-worker starting with configuration:\n{}", config.describe());
    }
}
