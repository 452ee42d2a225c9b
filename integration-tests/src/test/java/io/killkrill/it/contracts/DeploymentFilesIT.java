package io.killkrill.it.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.killkrill.config.ConfigDef;
import io.killkrill.config.Setting;
import io.killkrill.it.support.ExternalTool;
import io.killkrill.it.support.TestServices;
import io.killkrill.logworker.LogWorkerSettings;
import io.killkrill.metricsworker.MetricsWorkerSettings;
import io.killkrill.receivers.ReceiversSettings;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The deployment files parse with their real tools, and every KILLKRILL_* variable they set is one the
 * service declares (a typo would otherwise be silently ignored).
 */
class DeploymentFilesIT {
    private static final Path ROOT = TestServices.repoRoot();
    private static final Map<String, ConfigDef> SERVICES = Map.of(
            "receivers", ReceiversSettings.DEFINITION,
            "log-worker", LogWorkerSettings.DEFINITION,
            "metrics-worker", MetricsWorkerSettings.DEFINITION);

    @Test
    void composeFileParsesAndSetsOnlyDeclaredVariables() throws IOException {
        ExternalTool.Result config = ExternalTool.run(ROOT, new byte[0], "docker-compose", "-f",
                "docker-compose.yml", "config");
        assertThat(config.exitCode()).as("docker-compose config:%n%s", config.output()).isZero();

        JsonNode services = new ObjectMapper(new YAMLFactory()).readTree(config.output()).get("services");
        assertThat(services.fieldNames()).toIterable()
                .contains("redis", "elasticsearch", "postgres", "receivers", "log-worker", "metrics-worker");
        assertThat(services.at("/log-worker/deploy/replicas").asInt()).isEqualTo(2);
        assertThat(services.at("/redis/command").toString()).contains("appendonly", "yes");
        SERVICES.forEach((name, definition) -> {
            Set<String> set = new TreeSet<>();
            services.get(name).get("environment").fieldNames().forEachRemaining(set::add);
            assertThat(set).as("KILLKRILL_* variables docker-compose.yml sets for %s", name)
                    .isNotEmpty().allMatch(key -> !key.startsWith("KILLKRILL_") || declared(definition).contains(key));
            assertThat(services.get(name).get("healthcheck")).as("%s healthcheck", name).isNotNull();
            assertThat(services.at("/" + name + "/build/args/SERVICE").asText()).as("%s is built as itself", name)
                    .isEqualTo(name);
        });
    }

    /**
     * The one Dockerfile copies every module of the root pom: Maven reads each module of the reactor, so a module
     * left out (service-shell was, when it was added) fails every image build. The services' own modules are
     * copied whole; the others at least their pom.
     */
    @Test
    void theDockerfileCopiesEveryModuleOfTheReactor() throws IOException {
        String pom = Files.readString(ROOT.resolve("pom.xml"));
        String reactor = pom.substring(pom.indexOf("<modules>"), pom.indexOf("</modules>"));
        Set<String> modules = new TreeSet<>();
        java.util.regex.Matcher module = java.util.regex.Pattern.compile("<module>([^<]+)</module>").matcher(reactor);
        while (module.find()) {
            modules.add(module.group(1));
        }
        assertThat(modules).contains("service-shell", "receivers", "integration-tests");
        Set<String> whole = new TreeSet<>();
        Set<String> pomOnly = new TreeSet<>();
        for (String line : Files.readAllLines(ROOT.resolve("Dockerfile"))) {
            String[] words = line.trim().split("\\s+");
            if (words.length == 3 && words[0].equals("COPY")) {
                if (words[1].endsWith("/pom.xml")) {
                    pomOnly.add(words[1].substring(0, words[1].length() - "/pom.xml".length()));
                } else {
                    whole.add(words[1]);
                }
            }
        }
        Set<String> copied = new TreeSet<>(whole);
        copied.addAll(pomOnly);
        assertThat(copied).as("modules the Dockerfile copies").containsAll(modules);
        assertThat(whole).as("the services' modules are copied whole").containsAll(SERVICES.keySet());
    }

    @Test
    void systemdEnvironmentExampleSetsOnlyDeclaredVariables() throws IOException {
        Set<String> allDeclared = SERVICES.values().stream().flatMap(d -> declared(d).stream())
                .collect(Collectors.toSet());
        try (Stream<String> lines = Files.lines(ROOT.resolve("deploy/systemd/killkrill.env.example"))) {
            Set<String> keys = lines.filter(l -> l.startsWith("KILLKRILL_"))
                    .map(l -> l.substring(0, l.indexOf('='))).collect(Collectors.toSet());
            assertThat(keys).isNotEmpty().isSubsetOf(allDeclared);
        }
        for (String service : SERVICES.keySet()) {
            assertThat(ROOT.resolve("deploy/systemd/killkrill-" + service + ".service")).content()
                    .contains("ExecStart=/usr/bin/java", "-jar /opt/killkrill/" + service + ".jar",
                            "EnvironmentFile=/etc/killkrill/killkrill.env");
        }
    }

    @Test
    void prometheusConfigScrapesTheThreeServices() {
        ExternalTool.Result check = ExternalTool.run(ROOT, new byte[0], "promtool", "check", "config",
                "deploy/prometheus.yml");

        assertThat(check.exitCode()).as("promtool check config:%n%s", check.output()).isZero();
        assertThat(ROOT.resolve("deploy/prometheus.yml")).content()
                .contains("localhost:8080", "localhost:8081", "localhost:8082");
    }

    private static Set<String> declared(ConfigDef definition) {
        return definition.settings().stream().map(Setting::key).collect(Collectors.toSet());
    }
}
