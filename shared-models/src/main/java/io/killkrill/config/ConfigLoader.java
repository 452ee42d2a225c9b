package io.killkrill.config;

import java.io.PrintStream;
import java.util.Map;
import java.util.Optional;

/** Start-up entry point for a service's configuration: all problems or a valid {@link Config}. */
public final class ConfigLoader {
    /** Exit status of a service that refused to start because of its configuration. */
    public static final int EXIT_CONFIG_ERROR = 2;

    private ConfigLoader() {
    }

    /**
     * Parses the settings of {@code definition} from the process environment (and
     * {@value Environment#CONFIG_FILE}); on any problem prints each one, naming its variable, and exits with
     * {@value #EXIT_CONFIG_ERROR}.
     */
    public static Config loadOrExit(ConfigDef definition, Map<String, String> processEnvironment) {
        Optional<Config> config = load(definition, processEnvironment, System.err);
        if (config.isEmpty()) {
            System.exit(EXIT_CONFIG_ERROR);
        }
        return config.orElseThrow();
    }

    /**
     * What {@link #loadOrExit} does short of exiting, for a tool run in a caller's JVM: the valid {@link Config}, or
     * empty once every problem was printed to {@code err}.
     */
    public static Optional<Config> load(ConfigDef definition, Map<String, String> processEnvironment,
            PrintStream err) {
        try {
            return Optional.of(definition.parse(Environment.load(processEnvironment)));
        } catch (ConfigException e) {
            err.println(definition.service() + ": refusing to start, " + e.getMessage());
            err.flush();
            return Optional.empty();
        }
    }
}
