package io.killkrill.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * One KillKrill service running as in production: its runnable jar in a process of its own, configured only
 * through its environment. A test can {@link #kill()} it (SIGKILL), {@link #stop()} it (SIGTERM, graceful) and
 * {@link #start()} it again with the same environment (same ports, same consumer name). Its output goes to a
 * log file that is printed when it does not become ready.
 */
public final class ServiceProcess implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final ServiceJar jar;
    private final Map<String, String> environment;
    private final URI readiness;
    private final Path log;
    private List<String> jvmOptions = ServiceJar.FAST_START;
    private Process process;

    public ServiceProcess(String name, ServiceJar jar, Map<String, String> environment, URI readiness) {
        this.name = name;
        this.jar = jar;
        this.environment = Map.copyOf(environment);
        this.readiness = readiness;
        try {
            this.log = Files.createTempFile("killkrill-" + name + "-", ".log");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String name() {
        return name;
    }

    public Map<String, String> environment() {
        return environment;
    }

    public Path log() {
        return log;
    }

    /**
     * JVM options for this service's next starts, after the shipped ones of {@code deploy/jvm/} (the later of two
     * {@code -Xmx} wins): a test that needs a smaller heap says so here. Not through {@code JAVA_TOOL_OPTIONS},
     * which the JVM reads before its command line, so the shipped {@code -Xmx} overrode it.
     */
    public synchronized ServiceProcess withJvmOptions(String... options) {
        List<String> all = new java.util.ArrayList<>(ServiceJar.FAST_START);
        all.addAll(List.of(options));
        this.jvmOptions = List.copyOf(all);
        return this;
    }

    /** Starts the process (again); does not wait for readiness. */
    public synchronized ServiceProcess start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is already running (pid " + process.pid() + ")");
        }
        try {
            process = jar.start(environment, log, jvmOptions);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
        return this;
    }

    /** Waits until the service answers 200 on its readiness endpoint, failing with its log if it died. */
    public ServiceProcess awaitReady() {
        await(name + " ready at " + readiness).atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + output());
                    }
                    return readyNow();
                });
        return this;
    }

    public boolean readyNow() {
        try {
            HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(readiness).timeout(Duration.ofSeconds(2))
                    .GET().build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** SIGKILL: no shutdown hook runs, whatever is in flight is abandoned. Returns the exit status (137). */
    public synchronized int kill() {
        return waitForExit(process.destroyForcibly());
    }

    /** SIGTERM: the service's graceful shutdown. Returns its exit status. */
    public synchronized int stop() {
        process.destroy();
        return waitForExit(process);
    }

    /** SIGSTOP: the process keeps its connections but does nothing until {@link #resume}. */
    public void pause() throws java.io.IOException, InterruptedException {
        signal("STOP");
    }

    /** SIGCONT of a {@link #pause paused} process. */
    public void resume() throws java.io.IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String signal) throws java.io.IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new java.io.IOException("kill -" + signal + " of " + name + " (pid " + pid() + ") failed");
        }
    }

    public synchronized boolean alive() {
        return process != null && process.isAlive();
    }

    public synchronized long pid() {
        return process.pid();
    }

    /** The process's output so far. */
    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private int waitForExit(Process target) {
        try {
            if (!target.waitFor(60, TimeUnit.SECONDS)) {
                target.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException(name + " did not exit within 60 s");
            }
            return target.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public synchronized void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            waitForExit(process);
        }
    }

    /** Closes every process, in order, even when one fails. */
    public static void closeAll(List<ServiceProcess> processes) {
        for (ServiceProcess process : processes) {
            try {
                process.close();
            } catch (RuntimeException e) {
                System.err.println("could not stop " + process.name() + ": " + e);
            }
        }
    }
}
