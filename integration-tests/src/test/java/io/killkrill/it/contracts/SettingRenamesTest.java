package io.killkrill.it.contracts;

import io.killkrill.config.Config;
import io.killkrill.config.ConfigDef;
import io.killkrill.config.Setting;
import io.killkrill.it.support.TestServices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The settings renamed to one naming scheme (issue 14, docs/configuration.md "Naming") keep working under their old
 * name: each old name alone configures its setting with exactly one deprecation warning naming both names, and when
 * both are set the new name wins. The old names appear nowhere else but in their alias declaration, the docs' table
 * and the tests of the aliases, so that nothing of ours keeps using them.
 */
class SettingRenamesTest {
    /**
     * Every rename: the service reading it, old name, new name, a value for the old name and another for the new
     * one (neither the default, so a value that was not read cannot pass).
     */
    record Rename(String service, String oldName, String newName, String oldValue, String newValue) {
        @Override
        public String toString() {
            return service + ": " + oldName + " -> " + newName;
        }
    }

    static final List<Rename> RENAMES = List.of(
            new Rename("receivers", "KILLKRILL_RECEIVERS_SHUTDOWN_GRACE", "KILLKRILL_SHUTDOWN_GRACE", "3s", "4s"),
            new Rename("receivers", "KILLKRILL_MAX_BACKLOG", "KILLKRILL_RECEIVERS_MAX_BACKLOG", "5000", "6000"),
            new Rename("receivers", "KILLKRILL_API_KEYS", "KILLKRILL_HTTP_API_KEYS", "old-key-0123456789",
                    "new-key-0123456789"),
            new Rename("receivers", "KILLKRILL_IDEMPOTENCY_TTL", "KILLKRILL_HTTP_IDEMPOTENCY_TTL", "2h", "3h"),
            new Rename("log-worker", "KILLKRILL_LOG_WORKER_SHUTDOWN_GRACE", "KILLKRILL_SHUTDOWN_GRACE", "3s", "4s"),
            new Rename("log-worker", "KILLKRILL_ENVIRONMENT", "KILLKRILL_LOG_WORKER_ENVIRONMENT", "staging", "prod"),
            new Rename("log-worker", "KILLKRILL_ES_INDEX_PREFIX", "KILLKRILL_ELASTICSEARCH_INDEX_PREFIX", "old",
                    "new"),
            new Rename("log-worker", "KILLKRILL_ES_REQUEST_TIMEOUT", "KILLKRILL_ELASTICSEARCH_REQUEST_TIMEOUT", "3s",
                    "4s"),
            new Rename("log-worker", "KILLKRILL_ES_RETRY_DEADLINE", "KILLKRILL_ELASTICSEARCH_RETRY_DEADLINE", "5m",
                    "6m"),
            new Rename("log-worker", "KILLKRILL_ES_MAX_BULK_BYTES", "KILLKRILL_ELASTICSEARCH_MAX_BULK_BYTES", "1MiB",
                    "2MiB"),
            new Rename("log-worker", "KILLKRILL_ES_REPLICAS", "KILLKRILL_ELASTICSEARCH_REPLICAS", "0", "2"),
            new Rename("log-worker", "KILLKRILL_ES_RETRY_INITIAL_BACKOFF",
                    "KILLKRILL_ELASTICSEARCH_RETRY_INITIAL_BACKOFF", "10ms", "20ms"),
            new Rename("log-worker", "KILLKRILL_ES_RETRY_MAX_BACKOFF", "KILLKRILL_ELASTICSEARCH_RETRY_MAX_BACKOFF",
                    "5s", "6s"),
            new Rename("metrics-worker", "KILLKRILL_METRICS_BATCH_SIZE", "KILLKRILL_METRICS_WORKER_BATCH_SIZE", "250",
                    "300"),
            new Rename("metrics-worker", "KILLKRILL_METRICS_READ_BLOCK", "KILLKRILL_METRICS_WORKER_BLOCK_TIME",
                    "250ms", "300ms"),
            new Rename("metrics-worker", "KILLKRILL_WINDOWS", "KILLKRILL_METRICS_WORKER_WINDOWS", "10s,1h", "1m"),
            new Rename("metrics-worker", "KILLKRILL_MAX_LATENESS", "KILLKRILL_METRICS_WORKER_MAX_LATENESS", "2h",
                    "3h"),
            new Rename("metrics-worker", "KILLKRILL_MAX_SERIES_PER_METRIC",
                    "KILLKRILL_METRICS_WORKER_MAX_SERIES_PER_METRIC", "42", "43"));

    /**
     * Files that may name an old setting besides its {@code withDeprecatedAlias} line: the generated docs (their
     * rename table and "Deprecated alias" notes), the tests of the aliases, and the killkrill script, which reads the
     * old name of what it defaults so that a user's old variable still counts.
     */
    private static final Set<String> MAY_NAME_OLD_SETTINGS = Set.of(
            "docs/configuration.md",
            "integration-tests/src/test/java/io/killkrill/it/contracts/SettingRenamesTest.java",
            "integration-tests/src/test/java/io/killkrill/it/contracts/ServiceStartupIT.java",
            "receivers/src/test/java/io/killkrill/receivers/ReceiversConfigTest.java",
            "killkrill");
    private static final Set<String> SKIPPED_DIRECTORIES = Set.of(".git", ".mvn", "target", "node_modules");

    static List<Rename> renames() {
        return RENAMES;
    }

    private static ConfigDef definition(String service) {
        return ConfigurationDocTest.SERVICES.stream().filter(d -> d.service().equals(service)).findFirst()
                .orElseThrow(() -> new AssertionError("no service " + service));
    }

    private static Setting<?> declared(Rename rename) {
        return definition(rename.service()).settings().stream().filter(s -> s.key().equals(rename.newName()))
                .findFirst().orElseThrow(() -> new AssertionError(rename.newName() + " is not declared"));
    }

    private static Optional<?> parsed(Setting<?> setting, String text) {
        return Optional.of(setting.type().parse(text));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renames")
    void theOldNameAloneConfiguresTheSettingWithOneWarningNamingBoth(Rename rename) {
        Setting<?> setting = declared(rename);

        Config config = definition(rename.service()).parse(Map.of(rename.oldName(), rename.oldValue()));

        assertThat(parsed(setting, rename.oldValue())).as("the value under the old name is not the default")
                .isNotEqualTo(setting.defaultValue().map(setting.type()::parse));
        assertThat(config.optional(setting)).as("%s read from %s", rename.newName(), rename.oldName())
                .isEqualTo(parsed(setting, rename.oldValue()));
        assertThat(config.warnings()).containsExactly(
                rename.oldName() + " is deprecated: rename it to " + rename.newName());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renames")
    void theNewNameWinsWhenBothAreSet(Rename rename) {
        Setting<?> setting = declared(rename);

        Config config = definition(rename.service()).parse(Map.of(rename.oldName(), rename.oldValue(),
                rename.newName(), rename.newValue()));

        assertThat(config.optional(setting)).as("%s when %s is set too", rename.newName(), rename.oldName())
                .isEqualTo(parsed(setting, rename.newValue())).isNotEqualTo(parsed(setting, rename.oldValue()));
        assertThat(config.warnings()).singleElement().asString()
                .contains(rename.oldName(), rename.newName(), "ignored");
    }

    /** The table above is the whole list: every alias the services declare is in it, and nothing else. */
    @Test
    void everyDeclaredAliasIsARenameTestedHere() {
        Set<String> declared = ConfigurationDocTest.SERVICES.stream()
                .flatMap(d -> d.deprecatedNames().entrySet().stream()
                        .map(e -> d.service() + ": " + e.getKey() + " -> " + e.getValue()))
                .collect(Collectors.toSet());

        assertThat(RENAMES.stream().map(Rename::toString)).containsExactlyInAnyOrderElementsOf(declared);
    }

    @Test
    void noFileUsesAnOldNameOutsideItsAliasDeclarationTheDocsAndTheAliasTests() throws IOException {
        Path root = TestServices.repoRoot();
        Pattern oldNames = Pattern.compile("(?<![A-Z0-9_])(" + ConfigurationDocTest.SERVICES.stream()
                .flatMap(d -> d.deprecatedNames().keySet().stream()).distinct().map(Pattern::quote)
                .collect(Collectors.joining("|")) + ")(?![A-Z0-9_])");
        List<String> uses = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(Files::isRegularFile).filter(f -> !skipped(root, f)).toList()) {
                String relative = root.relativize(file).toString().replace('\\', '/');
                if (MAY_NAME_OLD_SETTINGS.contains(relative) || Files.size(file) > 4 << 20) {
                    continue;
                }
                List<String> lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i);
                    if (oldNames.matcher(line).find() && !line.contains("withDeprecatedAlias(")) {
                        uses.add(relative + ":" + (i + 1) + ": " + line.strip());
                    }
                }
            }
        }

        assertThat(uses).as("uses of a deprecated setting name (use the new name, see docs/configuration.md)")
                .isEmpty();
    }

    private static boolean skipped(Path root, Path file) {
        for (Path part : root.relativize(file)) {
            if (SKIPPED_DIRECTORIES.contains(part.toString())) {
                return true;
            }
        }
        return false;
    }
}
