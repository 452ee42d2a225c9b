package io.killkrill.bench;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A {@link PeerDaemon} running: its configuration written into its own work directory, the daemon started in the
 * foreground from it, ready once it listens on its port. Its output goes to {@code <phase>.log} there.
 */
final class PeerProcess implements AutoCloseable {
    private final Process process;
    final Path config;

    private PeerProcess(Process process, Path config) {
        this.process = process;
        this.config = config;
    }

    static PeerProcess start(PeerDaemon daemon, PeerDaemon.Target target) throws IOException, InterruptedException {
        Files.createDirectories(target.workDir());
        Path config = target.workDir().resolve(daemon.phase() + ".conf");
        Files.writeString(config, daemon.config(target));
        Path log = target.workDir().resolve(daemon.phase() + ".log");
        ProcessBuilder builder = new ProcessBuilder(daemon.command(config, target)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(daemon.environment());
        Process process = builder.start();
        for (int i = 0; i < 100; i++) {
            if (!process.isAlive()) {
                throw new IllegalStateException(daemon.phase() + " exited with " + process.exitValue() + ", see "
                        + log);
            }
            try (Socket probe = new Socket("127.0.0.1", target.port())) {
                return new PeerProcess(process, config);
            } catch (IOException notYet) {
                TimeUnit.MILLISECONDS.sleep(100); // waiting for the daemon to listen
            }
        }
        process.destroy();
        throw new IllegalStateException(daemon.phase() + " did not listen on " + target.port() + ", see " + log);
    }

    long pid() {
        return process.pid();
    }

    /** The first line {@code command} prints, or "unknown". */
    static String firstLine(List<String> command, Map<String, String> environment) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().putAll(environment);
            Process p = builder.start();
            String first = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().findFirst()
                    .orElse("");
            p.waitFor();
            return first.trim();
        } catch (Exception e) {
            return "unknown";
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
