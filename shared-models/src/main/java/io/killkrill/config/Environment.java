package io.killkrill.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Where services read settings from: the process environment, optionally on top of a properties file named
 * by {@value #CONFIG_FILE} (the environment wins where both set a key).
 */
public final class Environment {
    public static final String CONFIG_FILE = "KILLKRILL_CONFIG_FILE";

    private Environment() {
    }

    public static Map<String, String> load(Map<String, String> processEnvironment) {
        Map<String, String> merged = new HashMap<>();
        String file = processEnvironment.get(CONFIG_FILE);
        if (file != null && !file.isBlank()) {
            Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(Path.of(file))) {
                properties.load(reader);
            } catch (IOException e) {
                throw new ConfigException(List.of(CONFIG_FILE + "='" + file + "' cannot be read (" + e
                        + "): expected a readable properties file of KILLKRILL_* keys"));
            }
            properties.stringPropertyNames().forEach(key -> merged.put(key, properties.getProperty(key).trim()));
        }
        processEnvironment.forEach((key, value) -> {
            if (key.startsWith("KILLKRILL_")) {
                merged.put(key, value);
            }
        });
        return merged;
    }
}
