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
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps docs/configuration.md in step with the settings each service declares. Regenerate the tables with
 * {@code ./mvnw -pl integration-tests -am test -Dtest=ConfigurationDocTest -Dkillkrill.writeDocs=true
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class ConfigurationDocTest {
    static final List<ConfigDef> SERVICES = List.of(ReceiversSettings.DEFINITION, LogWorkerSettings.DEFINITION,
            MetricsWorkerSettings.DEFINITION);

    @Test
    void everyDeclaredSettingIsDocumentedExactlyAsDeclared() throws IOException {
        Path doc = TestServices.repoRoot().resolve("docs/configuration.md");
        String text = Files.readString(doc);
        if (Boolean.getBoolean("killkrill.writeDocs")) {
            for (ConfigDef service : SERVICES) {
                text = replaceSection(text, service);
            }
            Files.writeString(doc, text);
        }

        for (ConfigDef service : SERVICES) {
            assertThat(section(text, service.service()))
                    .as("docs/configuration.md section for %s (regenerate: see this test's javadoc)", service.service())
                    .isEqualTo(service.toMarkdown());
        }
    }

    private static Pattern sectionPattern(String service) {
        return Pattern.compile("(<!-- settings:" + Pattern.quote(service) + " -->\n)(.*?)(<!-- /settings:"
                + Pattern.quote(service) + " -->)", Pattern.DOTALL);
    }

    private static String section(String text, String service) {
        Matcher m = sectionPattern(service).matcher(text);
        return m.find() ? m.group(2) : "(no section marked <!-- settings:" + service + " -->)";
    }

    private static String replaceSection(String text, ConfigDef service) {
        Matcher m = sectionPattern(service.service()).matcher(text);
        if (!m.find()) {
            return text + "\n## " + service.service() + "\n\n<!-- settings:" + service.service() + " -->\n"
                    + service.toMarkdown() + "<!-- /settings:" + service.service() + " -->\n";
        }
        return text.substring(0, m.start(2)) + service.toMarkdown() + text.substring(m.end(2));
    }
}
