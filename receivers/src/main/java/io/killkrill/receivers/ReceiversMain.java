package io.killkrill.receivers;

import io.killkrill.service.ServiceMain;

/** The receivers process, run by the one {@link ServiceMain}: exit codes and SIGTERM as every service. */
public final class ReceiversMain {
    private ReceiversMain() {
    }

    public static void main(String[] args) {
        ServiceMain.run(ReceiversSettings.DEFINITION, (config, environment) -> {
            ReceiversSettings.refuseEmptyApiKeys(environment);
            return new Receivers(ReceiversConfig.from(config));
        });
    }
}
