package io.killkrill.service;

import io.killkrill.config.CommonSettings;
import io.killkrill.config.ConfigDef;
import io.killkrill.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ServiceMain maps each kind of failure to its documented exit status (issue 14): 2 for a setting, 3 for an
 * incompatible contract, 1 for anything else and for a service that never becomes ready; each test fails if the
 * mapping or the stop after a failed start changes. (SIGTERM itself is proven on the jars by ServiceStartupIT.)
 */
class ServiceMainTest {
    static final ConfigDef DEFINITION = ConfigDef.of("test-service", CommonSettings.ALL);

    /** A service whose start does what the test says and that records its lifecycle calls. */
    static class ScriptedService implements Service {
        final List<String> calls = new ArrayList<>();
        final RuntimeException startFailure;
        final boolean ready;

        ScriptedService(RuntimeException startFailure, boolean ready) {
            this.startFailure = startFailure;
            this.ready = ready;
        }

        @Override
        public String name() {
            return "test-service";
        }

        @Override
        public Service start() {
            calls.add("start");
            if (startFailure != null) {
                throw startFailure;
            }
            return this;
        }

        @Override
        public Health health() {
            return Health.of(HealthCheck.of("store", ready, "store does not answer"));
        }

        @Override
        public void stop(Duration grace) {
            calls.add("stop " + grace);
        }
    }

    @Test
    void anInvalidSettingExitsTwoWithoutCreatingTheService() {
        List<String> created = new ArrayList<>();
        int status = ServiceMain.runUntilStopped(DEFINITION, (config, env) -> {
            created.add("created");
            return new ScriptedService(null, true);
        }, Map.of("KILLKRILL_SHUTDOWN_GRACE", "forever"));

        assertThat(status).isEqualTo(ExitStatus.CONFIG_ERROR);
        assertThat(created).isEmpty();
    }

    @Test
    void aSettingTheServiceRefusesExitsTwo() {
        int status = ServiceMain.runUntilStopped(DEFINITION, (config, env) -> {
            throw new ConfigException(List.of("KILLKRILL_X is wrong"));
        }, Map.of());

        assertThat(status).isEqualTo(ExitStatus.CONFIG_ERROR);
    }

    @Test
    void anIncompatibleContractExitsThreeAndStopsWhatStarted() {
        ScriptedService service = new ScriptedService(new IllegalStateException("wrapped",
                new IncompatibleContractException("table t lacks column c")), true);

        int status = ServiceMain.runUntilStopped(DEFINITION, (config, env) -> service, Map.of());

        assertThat(status).isEqualTo(ExitStatus.INCOMPATIBLE_CONTRACT);
        assertThat(service.calls).containsExactly("start", "stop PT0S");
        assertThat(ServiceMain.oneLine(service.startFailure)).isEqualTo("table t lacks column c");
    }

    @Test
    void anyOtherStartFailureExitsOneWithItsRootCauseInOneLine() {
        RuntimeException failure = new IllegalStateException("cannot open the pool\nstack of details",
                new java.net.ConnectException("Connection refused"));
        ScriptedService service = new ScriptedService(failure, true);

        int status = ServiceMain.runUntilStopped(DEFINITION, (config, env) -> service, Map.of());

        assertThat(status).isEqualTo(ExitStatus.START_FAILED);
        assertThat(ServiceMain.oneLine(failure)).isEqualTo("cannot open the pool: Connection refused");
    }

    /**
     * Regression of issue 14: the receivers logged "listening" before the SIGTERM handler was installed, so a
     * SIGTERM in between exited 143. Here the service raises SIGTERM inside its own start: without a handler
     * already installed the JVM (this test's fork) dies with 143 and the test fails; with it, the run is a clean
     * stop (0) with the configured grace.
     */
    @Test
    void aSigtermWhileTheServiceStartsIsACleanStop() {
        ScriptedService service = new ScriptedService(null, true) {
            @Override
            public Service start() {
                super.start();
                sun.misc.Signal.raise(new sun.misc.Signal("TERM"));
                return this;
            }
        };

        int status = ServiceMain.runUntilStopped(DEFINITION, (config, env) -> service,
                Map.of("KILLKRILL_SHUTDOWN_GRACE", "3s"));

        assertThat(status).isEqualTo(ExitStatus.STOPPED);
        assertThat(service.calls).containsExactly("start", "stop PT3S");
    }

    @Test
    void aServiceNotReadyWithinTheStartupTimeoutExitsOneAfterStopping() {
        ScriptedService service = new ScriptedService(null, false);

        int status = ServiceMain.runUntilStopped(DEFINITION, (config, env) -> service,
                Map.of("KILLKRILL_STARTUP_TIMEOUT", "1s", "KILLKRILL_SHUTDOWN_GRACE", "2s"));

        assertThat(status).isEqualTo(ExitStatus.START_FAILED);
        assertThat(service.calls).containsExactly("start", "stop PT2S");
    }
}
