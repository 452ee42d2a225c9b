package io.killkrill.receivers;

import io.killkrill.config.Config;
import io.killkrill.config.ConfigException;
import io.killkrill.config.ConfigLoader;
import io.killkrill.config.Environment;
import io.killkrill.config.StopSignal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class ReceiversMain {
    private static final Logger LOG = LoggerFactory.getLogger(ReceiversMain.class);

    private ReceiversMain() {
    }

    public static void main(String[] args) throws Exception {
        Config config = ConfigLoader.loadOrExit(ReceiversSettings.DEFINITION, System.getenv());
        LOG.info("receivers starting with configuration:\n{}", config.describe());
        ReceiversConfig receiversConfig;
        try {
            ReceiversSettings.refuseEmptyApiKeys(Environment.load(System.getenv()));
            receiversConfig = ReceiversConfig.from(config);
        } catch (ConfigException e) {
            System.err.println("receivers: refusing to start, " + e.getMessage());
            System.exit(ConfigLoader.EXIT_CONFIG_ERROR);
            return;
        }
        Receivers receivers = Receivers.start(receiversConfig);
        StopSignal.await();
        receivers.close();
        System.exit(0);
    }
}
