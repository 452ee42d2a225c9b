package io.killkrill.it.support;

import org.testcontainers.DockerClientFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Resolves where a real service for the integration tests is, in this order:
 * <ol>
 *   <li>the {@code KILLKRILL_TEST_*} environment variable, when set;</li>
 *   <li>a service {@code scripts/dev-services up} provisioned natively (its env file);</li>
 *   <li>a Testcontainers container, when a Docker engine answers.</li>
 * </ol>
 * dev-services provisions natively only where there is no Docker engine, so 2 and 3 never compete.
 */
public final class TestServices {
    private static final Map<String, String> DEV_SERVICES = readDevServicesEnv();

    private TestServices() {
    }

    /** The value of {@code key} from the environment or from the dev-services env file. */
    public static Optional<String> setting(String key) {
        String value = System.getenv(key);
        if (value != null && !value.isBlank()) {
            return Optional.of(value);
        }
        return Optional.ofNullable(DEV_SERVICES.get(key));
    }

    public static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Fails the test run at once with what to install or set, instead of a timeout deep inside a test. */
    public static IllegalStateException unavailable(String service, String variable, String debianPackage) {
        return new IllegalStateException("No " + service + " for the integration tests. Either set " + variable
                + " to a running " + service + ", start a Docker engine (Testcontainers), or run"
                + " 'scripts/dev-services up' (which installs " + debianPackage + " and starts it natively);"
                + " './mvnw verify -Pintegration' does the last one for you.");
    }

    public static Path repoRoot() {
        String root = System.getProperty("killkrill.repoRoot");
        return root != null ? Path.of(root) : Path.of("..").toAbsolutePath().normalize();
    }

    private static Map<String, String> readDevServicesEnv() {
        String location = System.getProperty("killkrill.devServicesEnv",
                System.getenv().getOrDefault("KILLKRILL_DEV_DIR", "/var/tmp/killkrill-dev") + "/env");
        Map<String, String> values = new HashMap<>();
        Path file = Path.of(location);
        if (Files.isReadable(file)) {
            try {
                for (String line : Files.readAllLines(file)) {
                    int eq = line.indexOf('=');
                    if (eq > 0 && !line.startsWith("#")) {
                        values.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot read dev-services env file " + file, e);
            }
        }
        return values;
    }
}
