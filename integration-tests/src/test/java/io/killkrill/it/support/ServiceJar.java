package io.killkrill.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A KillKrill service as it runs in production: its runnable jar ({@code java -jar <module>-*-all.jar}),
 * built by the reactor before the integration tests, started as a separate process a test can kill.
 */
public record ServiceJar(String module, Path jar) {
    /**
     * JVM options for a test's short-lived service: C1 only, the serial collector and small thread stacks start a
     * service in less time and CPU on the 2-core CI machine; none of them changes what the service does.
     */
    public static final List<String> FAST_START = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss512k");

    /**
     * The JVM options {@code module} ships with (deploy/jvm/&lt;module&gt;.options: ./killkrill, deploy/systemd and
     * the bench use them); every service a test starts runs with them, a test's own options after them.
     */
    public static List<String> shippedOptions(String module) {
        Path file = TestServices.repoRoot().resolve("deploy/jvm/" + module + ".options");
        try {
            return List.of(Files.readString(file).trim().split("\\s+"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    public static ServiceJar of(String module) {
        Path target = TestServices.repoRoot().resolve(module).resolve("target");
        try (Stream<Path> files = Files.list(target)) {
            Path jar = files.filter(p -> p.getFileName().toString().endsWith("-all.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no runnable jar in " + target
                            + "; build it with ./mvnw -pl " + module + " -am package"));
            return new ServiceJar(module, jar);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + target + "; build the module first", e);
        }
    }

    /**
     * Starts the service with exactly {@code environment} (plus PATH and HOME), its stdout and stderr going to
     * {@code log}.
     */
    public Process start(Map<String, String> environment, Path log, String... jvmOptions) throws IOException {
        return start(environment, log, List.of(jvmOptions));
    }

    /** As {@link #start(Map, Path, String...)}; {@link #FAST_START} for a test's service. */
    public Process start(Map<String, String> environment, Path log, List<String> jvmOptions) throws IOException {
        List<String> options = new ArrayList<>(ClassDataArchive.options(this));
        options.addAll(jvmOptions);
        return launchWithoutArchive(environment, log, options);
    }

    /** Runs another entry point of the jar (a tool such as the dead-letter tool), as {@link #start} does. */
    public Process startMain(String mainClass, Map<String, String> environment, Path log, String... args)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(java()));
        command.addAll(ClassDataArchive.options(this));
        command.addAll(List.of("-cp", jar.toString(), mainClass));
        command.addAll(List.of(args));
        return launch(command, environment, log);
    }

    /** As {@link #start(Map, Path, List)} without {@link ClassDataArchive}'s options: the archive's own training. */
    Process launchWithoutArchive(Map<String, String> environment, Path log, List<String> jvmOptions)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(java());
        command.addAll(shippedOptions(module));
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(jar.toString());
        return launch(command, environment, log);
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static Process launch(List<String> command, Map<String, String> environment, Path log)
            throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(key -> key.startsWith("KILLKRILL_"));
        env.putAll(environment);
        return builder.start();
    }
}
