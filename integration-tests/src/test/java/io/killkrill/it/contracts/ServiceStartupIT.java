package io.killkrill.it.contracts;

import io.killkrill.config.ConfigLoader;
import io.killkrill.it.support.ServiceJar;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A service started from its runnable jar with a bad setting refuses to start and names the variable. */
class ServiceStartupIT {

    @ParameterizedTest
    @ValueSource(strings = {"receivers", "log-worker", "metrics-worker"})
    void malformedRedisUrlStopsTheServiceNamingTheVariable(String module) throws Exception {
        Path log = Files.createTempFile(module + "-startup", ".log");

        Process process = ServiceJar.of(module).start(Map.of(
                "KILLKRILL_REDIS_URL", "localhost:6379",
                "KILLKRILL_LOG_FORMAT", "yaml"), log);

        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("%s exits on its own", module).isTrue();
        String output = Files.readString(log);
        assertThat(process.exitValue()).as("exit status of %s; output:%n%s", module, output)
                .isEqualTo(ConfigLoader.EXIT_CONFIG_ERROR);
        assertThat(output).contains("KILLKRILL_REDIS_URL='localhost:6379'", "redis://",
                "KILLKRILL_LOG_FORMAT='yaml'", "plain, json");
    }
}
