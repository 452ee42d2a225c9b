package io.killkrill.logworker;

import io.killkrill.config.Config;
import io.killkrill.config.ConfigLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class LogWorkerMain {
    private static final Logger LOG = LoggerFactory.getLogger(LogWorkerMain.class);

    private LogWorkerMain() {
    }

    public static void main(String[] args) {
        Config config = ConfigLoader.loadOrExit(LogWorkerSettings.DEFINITION, System.getenv());
        LOG.info("log-worker starting with configuration:\n{}", config.describe());
    }
}
