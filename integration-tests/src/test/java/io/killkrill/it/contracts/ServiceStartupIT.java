package io.killkrill.it.contracts;

import io.killkrill.config.ConfigLoader;
import io.killkrill.it.support.FreePorts;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.it.support.ServiceJar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The services as runnable jars: configuration errors stop them naming the variable; JSON logs; SIGTERM. */
@ExtendWith(RedisExtension.class)
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
                "KILLKRILL_LOG_FORMAT='yaml'", "plain or json");
    }

    /**
     * Issue 13, item 6: a set KILLKRILL_API_KEYS that yields no key used to start the receivers with authentication
     * off. Each value must make the jar exit 2 by itself, naming the variable, without echoing it.
     */
    @ParameterizedTest
    @ValueSource(strings = {",", " ", "", "short-key"})
    void apiKeysThatYieldNoUsableKeyStopTheReceivers(String value) throws Exception {
        Path log = Files.createTempFile("receivers-api-keys", ".log");

        Process process = ServiceJar.of("receivers").start(Map.of(
                "KILLKRILL_REDIS_URL", "redis://127.0.0.1:1",
                "KILLKRILL_HTTP_PORT", Integer.toString(FreePorts.next()),
                "KILLKRILL_SYSLOG_PORT", Integer.toString(FreePorts.next()),
                "KILLKRILL_API_KEYS", value), log);

        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("receivers exit on their own").isTrue();
        String output = Files.readString(log);
        assertThat(process.exitValue()).as("exit status for KILLKRILL_API_KEYS='%s'; output:%n%s", value, output)
                .isEqualTo(ConfigLoader.EXIT_CONFIG_ERROR);
        assertThat(output).contains("KILLKRILL_API_KEYS=").contains(value.equals("short-key")
                ? "shorter than 16 characters" : "holds no key").doesNotContain("receivers listening");
        if (value.equals("short-key")) {
            assertThat(output).doesNotContain("short-key");
        }
    }

    @Test
    void receiversLogJsonLinesWithSecretsMaskedAndExitZeroOnSigterm(RedisService redis) throws Exception {
        Path log = Files.createTempFile("receivers-json", ".log");
        Process process = ServiceJar.of("receivers").start(Map.of(
                "KILLKRILL_REDIS_URL", redis.uri().toString(),
                "KILLKRILL_HTTP_PORT", Integer.toString(FreePorts.next()),
                "KILLKRILL_SYSLOG_PORT", Integer.toString(FreePorts.next()),
                "KILLKRILL_API_KEYS", "top-secret-key-0123456789",
                "KILLKRILL_LOG_FORMAT", "json"), log);
        try {
            await("receivers log that they listen").atMost(Duration.ofSeconds(60))
                    .until(() -> Files.readString(log).contains("receivers listening"));
        } finally {
            process.destroy();
        }

        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("receivers stop on SIGTERM").isTrue();
        assertThat(process.exitValue()).as("exit status after SIGTERM").isZero();
        String output = Files.readString(log);
        assertThat(output.lines().filter(line -> !line.isBlank()))
                .as("every line on stdout is a JSON object").isNotEmpty()
                .allMatch(line -> line.startsWith("{\"@timestamp\"") && line.endsWith("}"));
        assertThat(output).contains("KILLKRILL_API_KEYS=****").doesNotContain("top-secret-key-0123456789");
    }
}
