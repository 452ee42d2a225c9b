package io.killkrill.it.contracts;

import io.killkrill.config.ConfigDef;
import io.killkrill.it.support.TestServices;
import io.killkrill.logworker.LogWorkerSettings;
import io.killkrill.metricsworker.MetricsWorkerSettings;
import io.killkrill.receivers.ReceiversSettings;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps docs/configuration.md in step with the settings each service declares and the deprecated names they still
 * read. Regenerate the tables with
 * {@code ./mvnw -pl integration-tests -am test -Dtest=ConfigurationDocTest -Dkillkrill.writeDocs=true
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class ConfigurationDocTest {
    static final List<ConfigDef> SERVICES = List.of(ReceiversSettings.DEFINITION, LogWorkerSettings.DEFINITION,
            MetricsWorkerSettings.DEFINITION);
    /** The section listing renamed settings, generated like the services' tables. */
    private static final String RENAMED = "renamed";

    @Test
    void everyDeclaredSettingIsDocumentedExactlyAsDeclared() throws IOException {
        Path doc = TestServices.repoRoot().resolve("docs/configuration.md");
        String text = Files.readString(doc);
        if (Boolean.getBoolean("killkrill.writeDocs")) {
            for (ConfigDef service : SERVICES) {
                text = replaceSection(text, service.service(), service.toMarkdown());
            }
            text = replaceSection(text, RENAMED, renamedTable());
            Files.writeString(doc, text);
        }

        for (ConfigDef service : SERVICES) {
            assertThat(section(text, service.service()))
                    .as("docs/configuration.md section for %s (regenerate: see this test's javadoc)", service.service())
                    .isEqualTo(service.toMarkdown());
        }
        assertThat(section(text, RENAMED))
                .as("docs/configuration.md table of renamed settings (regenerate: see this test's javadoc)")
                .isEqualTo(renamedTable());
    }

    /** Old name -> new name of every deprecated alias, and the services that still read it. */
    static String renamedTable() {
        Map<String, String> renamedTo = new LinkedHashMap<>();
        Map<String, List<String>> readBy = new LinkedHashMap<>();
        for (ConfigDef service : SERVICES) {
            service.deprecatedNames().forEach((old, current) -> {
                renamedTo.put(old, current);
                readBy.computeIfAbsent(old, o -> new ArrayList<>()).add(service.service());
            });
        }
        StringBuilder out = new StringBuilder("| Old name (deprecated) | New name | Still read by |\n")
                .append("| --- | --- | --- |\n");
        renamedTo.forEach((old, current) -> out.append("| `").append(old).append("` | `").append(current)
                .append("` | ").append(String.join(", ", readBy.get(old))).append(" |\n"));
        return out.toString();
    }

    private static Pattern sectionPattern(String name) {
        return Pattern.compile("(<!-- settings:" + Pattern.quote(name) + " -->\n)(.*?)(<!-- /settings:"
                + Pattern.quote(name) + " -->)", Pattern.DOTALL);
    }

    private static String section(String text, String name) {
        Matcher m = sectionPattern(name).matcher(text);
        return m.find() ? m.group(2) : "(no section marked <!-- settings:" + name + " -->)";
    }

    private static String replaceSection(String text, String name, String content) {
        Matcher m = sectionPattern(name).matcher(text);
        if (!m.find()) {
            return text + "\n## " + name + "\n\n<!-- settings:" + name + " -->\n" + content
                    + "<!-- /settings:" + name + " -->\n";
        }
        return text.substring(0, m.start(2)) + content + text.substring(m.end(2));
    }
}
