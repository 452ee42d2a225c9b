package io.killkrill.it.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.killkrill.config.ConfigDef;
import io.killkrill.config.Setting;
import io.killkrill.it.support.ExternalTool;
import io.killkrill.it.support.ServiceJar;
import io.killkrill.it.support.TestServices;
import io.killkrill.logworker.LogWorkerSettings;
import io.killkrill.metricsworker.MetricsWorkerSettings;
import io.killkrill.receivers.ReceiversSettings;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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

    private static final Set<String> DEFAULT_SERVICES = Set.of("redis", "elasticsearch", "postgres", "receivers",
            "log-worker", "metrics-worker");
    private static final Set<String> SENTINEL_SERVICES = Set.of("redis-master", "redis-replica-1", "redis-replica-2",
            "redis-sentinel-1", "redis-sentinel-2", "redis-sentinel-3");
    private static final Set<String> CLUSTER_NODES = Set.of("redis-cluster-1", "redis-cluster-2", "redis-cluster-3",
            "redis-cluster-4", "redis-cluster-5", "redis-cluster-6");

    @Test
    void composeFileParsesAndSetsOnlyDeclaredVariables() throws IOException {
        JsonNode services = composeServices();
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
     * The optional Redis topologies (issue 17 item 4): {@code --profile sentinel} adds a master, two replicas and three
     * sentinels, {@code --profile cluster} six cluster nodes and the one-shot that joins them; without a profile
     * compose starts neither. Compose starts a service that names profiles only when one of them is active:
     * docker-compose 1.x's {@code config} lists every service, 2.x's only the active ones, and that rule gives both.
     */
    @Test
    void theSentinelAndClusterProfilesAddTheirTopologiesAndTheDefaultStartsNeither() throws IOException {
        JsonNode plain = composeServices();
        assertThat(started(plain)).as("what `docker-compose up` starts").isEqualTo(DEFAULT_SERVICES);
        for (String name : DEFAULT_SERVICES) {
            assertThat(plain.get(name).path("depends_on").fieldNames()).toIterable()
                    .as("%s depends only on default services", name).isSubsetOf(DEFAULT_SERVICES);
        }
        for (String name : List.of("receivers", "log-worker", "metrics-worker")) {
            assertThat(plain.at("/" + name + "/environment/KILLKRILL_REDIS_URL").asText()).as("%s's Redis", name)
                    .isEqualTo("redis://redis:6379");
        }

        JsonNode sentinel = composeServices("--profile", "sentinel");
        assertThat(started(sentinel, "sentinel")).as("what `docker-compose --profile sentinel up` starts")
                .isEqualTo(union(DEFAULT_SERVICES, SENTINEL_SERVICES));
        assertThat(command(sentinel, "redis-master")).contains("redis-server", "--appendonly", "yes")
                .doesNotContain("--replicaof");
        for (String replica : List.of("redis-replica-1", "redis-replica-2")) {
            assertThat(command(sentinel, replica)).containsSubsequence("--replicaof", "redis-master", "6379")
                    .containsSubsequence("--appendonly", "yes");
        }
        for (String name : List.of("redis-sentinel-1", "redis-sentinel-2", "redis-sentinel-3")) {
            assertThat(String.join(" ", command(sentinel, name))).as("%s's command", name)
                    .contains("sentinel monitor killkrill redis-master 6379 2", "exec redis-sentinel");
            assertThat(sentinel.at("/" + name + "/hostname").asText()).isEqualTo(name);
        }
        SENTINEL_SERVICES.forEach(name -> assertThat(sentinel.at("/" + name + "/image").asText()).as("%s's image", name)
                .isEqualTo("redis:7"));

        JsonNode cluster = composeServices("--profile", "cluster");
        assertThat(started(cluster, "cluster")).as("what `docker-compose --profile cluster up` starts")
                .isEqualTo(union(DEFAULT_SERVICES, union(CLUSTER_NODES, Set.of("redis-cluster-create"))));
        for (String node : CLUSTER_NODES) {
            assertThat(String.join(" ", command(cluster, node))).as("%s's command", node)
                    .contains("redis-server", "--cluster-enabled yes", "--cluster-node-timeout 3000",
                            "--appendonly yes");
            assertThat(cluster.at("/" + node + "/hostname").asText()).isEqualTo(node);
            assertThat(cluster.at("/" + node + "/image").asText()).isEqualTo("redis:7");
        }
        JsonNode create = cluster.get("redis-cluster-create");
        assertThat(String.join(" ", command(cluster, "redis-cluster-create")))
                .contains("redis-cli --cluster create", "--cluster-replicas 1", "--cluster-yes",
                        "for n in 1 2 3 4 5 6");
        assertThat(create.path("depends_on").fieldNames()).toIterable().as("the nodes redis-cluster-create waits for")
                .containsExactlyInAnyOrderElementsOf(CLUSTER_NODES);
        CLUSTER_NODES.forEach(node -> assertThat(create.at("/depends_on/" + node + "/condition").asText())
                .isEqualTo("service_healthy"));
    }

    /** The services of {@code docker-compose [profile options] config}, which must validate. */
    private static JsonNode composeServices(String... options) throws IOException {
        List<String> command = new ArrayList<>(List.of("docker-compose", "-f", "docker-compose.yml"));
        command.addAll(Arrays.asList(options));
        command.add("config");
        ExternalTool.Result config = ExternalTool.run(ROOT, new byte[0], command.toArray(String[]::new));
        assertThat(config.exitCode()).as("%s:%n%s", String.join(" ", command), config.output()).isZero();
        return new ObjectMapper(new YAMLFactory()).readTree(config.output()).get("services");
    }

    /** The services compose starts with these profiles active: those without profiles and those naming one of them. */
    private static Set<String> started(JsonNode services, String... activeProfiles) {
        Set<String> active = Set.of(activeProfiles);
        Set<String> started = new TreeSet<>();
        services.fields().forEachRemaining(service -> {
            JsonNode profiles = service.getValue().path("profiles");
            boolean enabled = profiles.isMissingNode() || profiles.isEmpty();
            for (JsonNode profile : profiles) {
                enabled |= active.contains(profile.asText());
            }
            if (enabled) {
                started.add(service.getKey());
            }
        });
        return started;
    }

    private static List<String> command(JsonNode services, String name) {
        JsonNode command = services.at("/" + name + "/command");
        assertThat(command.isArray()).as("%s's command is a list", name).isTrue();
        List<String> words = new ArrayList<>();
        command.forEach(word -> words.add(word.asText()));
        return words;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new TreeSet<>(a);
        all.addAll(b);
        return all;
    }

    /**
     * The one Dockerfile copies every module of the root pom: Maven reads each module of the reactor, so a module
     * left out (service-shell was, when it was added) fails every image build. The services' own modules are
     * copied whole; the others at least their pom. And whatever it copies is in the build context: .dockerignore
     * left deploy/ out, and with it the shipped JVM options the image now copies.
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
        for (String source : union(whole, pomOnly)) {
            assertThat(inBuildContext(source)).as("%s, copied by the Dockerfile, is in the build context", source)
                    .isTrue();
        }
    }

    /**
     * The image runs a service as ./killkrill and deploy/systemd do: its entrypoint hands the java launcher the
     * shipped options (deploy/jvm/&lt;service&gt;.options, copied into the image) as an argument file; it once sized
     * the heap at 75% of whatever memory the container saw (18 GiB on a 24 GiB host without a limit). Proof: the
     * runtime stage copies that file to the path the entrypoint names, and the launcher given that entrypoint with
     * each service's file applies exactly the shipped options ({@code -XX:+PrintCommandLineFlags} in place of the jar).
     */
    @Test
    void theImageRunsEachServiceWithItsShippedJvmOptions() throws Exception {
        List<String> lines = Files.readAllLines(ROOT.resolve("Dockerfile"));
        String entrypoint = lines.stream().filter(l -> l.startsWith("ENTRYPOINT ")).reduce((a, b) -> b).orElseThrow();
        List<String> command = new ArrayList<>();
        new ObjectMapper().readTree(entrypoint.substring("ENTRYPOINT ".length())).forEach(n -> command.add(n.asText()));
        assertThat(command).containsExactly("java", "@/opt/killkrill/jvm.options", "-jar", "/opt/killkrill/service.jar");
        List<String> runtimeStage = lines.subList(lines.indexOf(lines.stream()
                .filter(l -> l.startsWith("FROM ")).reduce((a, b) -> b).orElseThrow()), lines.size());
        assertThat(runtimeStage).contains("ARG SERVICE", "COPY deploy/jvm/${SERVICE}.options /opt/killkrill/jvm.options");
        for (String service : SERVICES.keySet()) {
            assertThat(inBuildContext("deploy/jvm/" + service + ".options"))
                    .as("deploy/jvm/%s.options is in the image's build context (.dockerignore)", service).isTrue();
        }
        assertThat(inBuildContext("docs/architecture.md")).as(".dockerignore still leaves the docs out").isFalse();

        for (String service : SERVICES.keySet()) {
            List<String> launch = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString(), "@" + ROOT.resolve("deploy/jvm/" + service + ".options"),
                    "-XX:+PrintCommandLineFlags", "-version"));
            Process launcher = new ProcessBuilder(launch).redirectErrorStream(true).start();
            String flags = new String(launcher.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(launcher.waitFor()).as(flags).isZero();
            for (String option : ServiceJar.shippedOptions(service)) {
                String applied = option.startsWith("-Xmx")
                        ? "-XX:MaxHeapSize=" + (Long.parseLong(option.substring(4, option.length() - 1)) << 20)
                        : option;
                assertThat(option).as("options are -Xmx<n>m or -XX flags").matches("-Xmx[0-9]+m|-XX:[+-]?\\w+(=\\S+)?");
                assertThat(flags).as("%s: the launcher applies %s from the argument file", service, option)
                        .contains(applied);
            }
        }
    }

    /**
     * Whether {@code path} reaches the image build: the last of .dockerignore's patterns that matches it or one of
     * its directories decides, a leading {@code !} taking it back in (Docker's rules, for the patterns used here:
     * {@code *} within a name, {@code **} across directories).
     */
    private static boolean inBuildContext(String path) throws IOException {
        boolean in = true;
        for (String line : Files.readAllLines(ROOT.resolve(".dockerignore"))) {
            String rule = line.trim();
            if (rule.isEmpty() || rule.startsWith("#")) {
                continue;
            }
            boolean exception = rule.startsWith("!");
            String glob = exception ? rule.substring(1) : rule;
            java.util.regex.Pattern pattern = java.util.regex.Pattern.compile(
                    java.util.regex.Pattern.quote(glob).replace("**", "\0").replace("*", "\\E[^/]*\\Q")
                            .replace("\0", "\\E.*\\Q"));
            for (String prefix = path; !prefix.isEmpty();
                 prefix = prefix.contains("/") ? prefix.substring(0, prefix.lastIndexOf('/')) : "") {
                if (pattern.matcher(prefix).matches()) {
                    in = exception;
                    break;
                }
            }
        }
        return in;
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
                            "EnvironmentFile=/etc/killkrill/killkrill.env",
                            // the shipped JVM options, as ./killkrill, the bench and every test's service run
                            "ExecStart=/usr/bin/java " + String.join(" ", ServiceJar.shippedOptions(service))
                                    + " -jar ");
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
