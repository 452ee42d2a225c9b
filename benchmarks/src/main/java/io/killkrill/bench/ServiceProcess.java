package io.killkrill.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One KillKrill service run as its own JVM from its shaded jar, as in production: started with an environment of
 * KILLKRILL_* settings, ready when its health URL answers 200, stopped with SIGTERM. Reads its memory from
 * /proc (RSS, high-water mark) and its heap from the JVM itself (jcmd GC.heap_info).
 */
final class ServiceProcess implements AutoCloseable {
    private static final Pattern HEAP = Pattern.compile("total (\\d+)K, used (\\d+)K");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** Resident memory in KiB: now and the peak since start. */
    record Memory(long rssKb, long hwmKb) {
    }

    /** The service exited before it was ready: a refused configuration (exit 2), a store it could not reach (1). */
    static final class ExitedDuringStartUp extends IllegalStateException {
        private final int exitCode;
        private final transient Path log;

        ExitedDuringStartUp(String message, int exitCode, Path log) {
            super(message);
            this.exitCode = exitCode;
            this.log = log;
        }

        int exitCode() {
            return exitCode;
        }

        Path log() {
            return log;
        }
    }

    /** Java heap in KiB as the JVM reports it: in use and committed. */
    record Heap(long usedKb, long committedKb) {
    }

    private final String name;
    private final Process process;
    private final Path log;

    private ServiceProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    static ServiceProcess start(String name, Path jar, List<String> jvmOptions, Map<String, String> environment,
                                URI readyUrl, Path logDir) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(jar.toString());
        Files.createDirectories(logDir);
        Path log = logDir.resolve(name + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().keySet().removeIf(key -> key.startsWith("KILLKRILL_"));
        builder.environment().putAll(environment);
        ServiceProcess service = new ServiceProcess(name, builder.start(), log);
        service.awaitReady(readyUrl, Duration.ofSeconds(90));
        return service;
    }

    private void awaitReady(URI readyUrl, Duration deadline) throws InterruptedException, IOException {
        long until = System.nanoTime() + deadline.toNanos();
        while (System.nanoTime() < until) {
            if (!process.isAlive()) {
                throw new ExitedDuringStartUp(name + " exited with " + process.exitValue() + " during start-up; see "
                        + log + ":\n" + tail(), process.exitValue(), log);
            }
            try {
                HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(readyUrl).timeout(Duration.ofSeconds(2))
                        .GET().build(), HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            TimeUnit.MILLISECONDS.sleep(200); // polling a child process's health URL; nothing to block on
        }
        throw new IllegalStateException(name + " not ready at " + readyUrl + " within " + deadline + ":\n" + tail());
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    Memory memory() {
        try {
            long rss = 0;
            long hwm = 0;
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = kilobytes(line);
                } else if (line.startsWith("VmHWM:")) {
                    hwm = kilobytes(line);
                }
            }
            return new Memory(rss, hwm);
        } catch (IOException gone) {
            return new Memory(0, 0);
        }
    }

    private static long kilobytes(String statusLine) {
        return Long.parseLong(statusLine.replaceAll("[^0-9]", ""));
    }

    Optional<Heap> heap() {
        try {
            Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(pid()), "GC.heap_info").redirectErrorStream(true).start();
            String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            jcmd.waitFor(30, TimeUnit.SECONDS);
            Matcher m = HEAP.matcher(out);
            return m.find() ? Optional.of(new Heap(Long.parseLong(m.group(2)), Long.parseLong(m.group(1))))
                    : Optional.empty();
        } catch (IOException | InterruptedException e) {
            return Optional.empty();
        }
    }

    private String tail() throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(40, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
