package io.killkrill.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * Class-data sharing for the service jars the ITs start (about 150 starts a run): the classes a service has loaded
 * once it is ready, archived by one training start ({@code -XX:ArchiveClassesAtExit}) and mapped by every later
 * start ({@code -XX:SharedArchiveFile}) instead of being read from the jar, parsed and verified again. It halves a
 * start's CPU on the 2-core CI machine (receivers 0.95 -> 0.48 s to ready, log-worker 1.3 -> 0.7 s, metrics-worker
 * 2.4 -> 1.2 s) and changes nothing a service does: the same classes from the same jar.
 *
 * <p>An archive belongs to one build of its jar: its name carries the jar's size and modification time, so a
 * rebuilt jar is trained again and a stale archive is never offered to a JVM (which would print a warning into the
 * service's output). Failsafe's JVMs share the archives: a file lock lets one train while the others wait.
 * Training needs the stores of the dev services (the {@code KILLKRILL_TEST_*} settings); without them, or when a
 * training fails, the services start without an archive, as they would anyway, and the reason is printed once.
 */
final class ClassDataArchive {
    /** The service modules, trained side by side as soon as a test needs any of them. */
    private static final List<String> SERVICES = List.of("receivers", "log-worker", "metrics-worker");
    private static final Map<Path, CompletableFuture<Optional<Path>>> ARCHIVES = new HashMap<>();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private ClassDataArchive() {
    }

    /**
     * The JVM options that map {@code jar}'s archive, waiting for its training if this build of the jar has none
     * yet. The first call starts the training of every service jar, each in a thread of its own: a test class
     * starts several services at once, and trained one after the other they kept the first classes waiting.
     */
    static List<String> options(ServiceJar jar) {
        CompletableFuture<Optional<Path>> archive;
        synchronized (ARCHIVES) {
            if (ARCHIVES.isEmpty()) {
                for (String module : SERVICES) {
                    if (!module.equals(jar.module())) {
                        try {
                            archiveOf(ServiceJar.of(module));
                        } catch (IllegalStateException | UncheckedIOException notBuilt) {
                            // trained when, if ever, it is built and started
                        }
                    }
                }
            }
            archive = archiveOf(jar);
        }
        return archive.join().map(path -> List.of("-XX:SharedArchiveFile=" + path, "-Xlog:cds*=off"))
                .orElse(List.of());
    }

    private static CompletableFuture<Optional<Path>> archiveOf(ServiceJar jar) {
        return ARCHIVES.computeIfAbsent(jar.jar(), path -> {
            CompletableFuture<Optional<Path>> training = new CompletableFuture<>();
            Thread thread = new Thread(() -> {
                try {
                    training.complete(find(jar));
                } catch (Throwable e) {
                    System.err.println("ClassDataArchive: training " + jar.module() + " failed: " + e);
                    training.complete(Optional.empty());
                }
            }, "class-data-training-" + jar.module());
            thread.setDaemon(true);
            thread.start();
            return training;
        });
    }

    private static Optional<Path> find(ServiceJar jar) {
        Optional<Training> training = Training.of(jar.module());
        if (training.isEmpty()) {
            System.err.println("ClassDataArchive: no dev-services stores to train " + jar.module()
                    + " with; its starts map no archive");
            return Optional.empty();
        }
        try {
            Path dir = Files.createDirectories(jar.jar().getParent().resolve("cds"));
            Path archive = dir.resolve(jar.module() + "-" + Files.size(jar.jar()) + "-"
                    + Files.getLastModifiedTime(jar.jar()).toMillis() + ".jsa");
            try (FileChannel channel = FileChannel.open(dir.resolve(jar.module() + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                FileLock lock = channel.lock(); // the other failsafe JVM may be training this module right now
                try {
                    if (!Files.exists(archive)) {
                        train(jar, training.get(), archive, dir.resolve(jar.module() + "-training.log"));
                    }
                } finally {
                    lock.release();
                }
            }
            return Optional.of(archive);
        } catch (IOException | RuntimeException e) {
            System.err.println("ClassDataArchive: training " + jar.module() + " failed, its starts map no archive: "
                    + e);
            return Optional.empty();
        }
    }

    /**
     * Starts the service with the training settings, waits until it is ready, stops it with SIGTERM and keeps the
     * archive the JVM wrote on its way out; the archive appears under its final name only once it is whole.
     */
    private static void train(ServiceJar jar, Training training, Path archive, Path log) throws IOException {
        Path partial = archive.resolveSibling(archive.getFileName() + ".partial");
        Files.deleteIfExists(partial);
        Files.deleteIfExists(log);
        List<String> options = new ArrayList<>(ServiceJar.FAST_START);
        options.add("-XX:ArchiveClassesAtExit=" + partial);
        Process process = jar.launchWithoutArchive(training.environment(), log, options);
        try {
            await(jar.module() + " ready for its class-data training at " + training.readiness())
                    .atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        if (!process.isAlive()) {
                            throw new IllegalStateException(jar.module() + " exited with " + process.exitValue()
                                    + ":\n" + Files.readString(log));
                        }
                        return ready(training.readiness());
                    });
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException(jar.module() + " did not exit within 60 s of SIGTERM");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            process.destroyForcibly();
        }
        if (!Files.exists(partial)) {
            throw new IllegalStateException(jar.module() + " wrote no archive; its training log:\n"
                    + Files.readString(log));
        }
        Files.move(partial, archive, StandardCopyOption.ATOMIC_MOVE);
        try (var older = Files.list(archive.getParent())) { // the archives of earlier builds of the jar
            for (Path stale : older.filter(p -> p.getFileName().toString().startsWith(jar.module() + "-")
                    && p.getFileName().toString().endsWith(".jsa") && !p.equals(archive)).toList()) {
                Files.deleteIfExists(stale);
            }
        }
    }

    private static boolean ready(URI readiness) {
        try {
            return HTTP.send(HttpRequest.newBuilder(readiness).timeout(Duration.ofSeconds(2)).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Settings that make a module ready on the dev services, on streams, an index prefix and a schema of its own. */
    private record Training(Map<String, String> environment, URI readiness) {
        static Optional<Training> of(String module) {
            Optional<String> redis = TestServices.setting(RedisExtension.URL_VARIABLE);
            if (redis.isEmpty()) {
                return Optional.empty();
            }
            String name = "killkrill-cds-training-" + module;
            Map<String, String> env = new HashMap<>(Map.of("KILLKRILL_REDIS_URL", redis.get(),
                    "KILLKRILL_LOGS_STREAM", name + ":logs", "KILLKRILL_METRICS_STREAM", name + ":metrics",
                    "KILLKRILL_LOGS_DLQ", name + ":logs-dlq", "KILLKRILL_METRICS_DLQ", name + ":metrics-dlq",
                    "KILLKRILL_LOG_GROUP", name + "-log-worker", "KILLKRILL_METRICS_GROUP", name + "-metrics-worker"));
            int port = FreePorts.next();
            switch (module) {
                case "receivers" -> {
                    env.put("KILLKRILL_HTTP_PORT", Integer.toString(port));
                    env.put("KILLKRILL_SYSLOG_PORT", Integer.toString(FreePorts.next()));
                }
                case "log-worker" -> {
                    Optional<String> elasticsearch = TestServices.setting(ElasticsearchExtension.URL_VARIABLE);
                    if (elasticsearch.isEmpty()) {
                        return Optional.empty();
                    }
                    env.put("KILLKRILL_ELASTICSEARCH_URL", elasticsearch.get());
                    env.put("KILLKRILL_ELASTICSEARCH_INDEX_PREFIX", name);
                    env.put("KILLKRILL_ELASTICSEARCH_REPLICAS", "0");
                    env.put("KILLKRILL_LOG_WORKER_ADMIN_PORT", Integer.toString(port));
                }
                case "metrics-worker" -> {
                    Optional<String> database = TestServices.setting(PostgresExtension.URL_VARIABLE);
                    if (database.isEmpty()) {
                        return Optional.empty();
                    }
                    env.put("KILLKRILL_DATABASE_URL", database.get());
                    env.put("KILLKRILL_DATABASE_USER", TestServices.setting(PostgresExtension.USER_VARIABLE).orElse("killkrill"));
                    env.put("KILLKRILL_DATABASE_PASSWORD",
                            TestServices.setting(PostgresExtension.PASSWORD_VARIABLE).orElse("killkrill"));
                    env.put("KILLKRILL_DATABASE_SCHEMA", name.replace('-', '_'));
                    env.put("KILLKRILL_METRICS_WORKER_ADMIN_PORT", Integer.toString(port));
                }
                default -> {
                    return Optional.empty();
                }
            }
            return Optional.of(new Training(env, URI.create("http://127.0.0.1:" + port + "/health/ready")));
        }
    }
}
