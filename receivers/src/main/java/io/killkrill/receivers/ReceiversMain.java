package io.killkrill.receivers;

import io.killkrill.config.Config;
import io.killkrill.config.ConfigLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class ReceiversMain {
    private static final Logger LOG = LoggerFactory.getLogger(ReceiversMain.class);

    private ReceiversMain() {
    }

    public static void main(String[] args) {
        Config config = ConfigLoader.loadOrExit(ReceiversSettings.DEFINITION, System.getenv());
        LOG.info("receivers starting with configuration:\n{}", config.describe());
    }
}
