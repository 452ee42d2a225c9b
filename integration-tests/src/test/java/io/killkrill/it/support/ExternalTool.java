package io.killkrill.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real command-line peer (promtool, docker-compose, logger) run to completion. A missing tool fails the
 * test at once saying what to install, never a timeout.
 */
public final class ExternalTool {
    private ExternalTool() {
    }

    public record Result(int exitCode, String output) {
    }

    public static Result run(Path workingDirectory, byte[] stdin, String... command) {
        requireInstalled(command[0]);
        try {
            Process process = new ProcessBuilder(command).directory(workingDirectory.toFile())
                    .redirectErrorStream(true).start();
            process.getOutputStream().write(stdin);
            process.getOutputStream().close();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within 120 s");
            }
            return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static void requireInstalled(String tool) {
        locate(tool);
    }

    /** The tool's executable on PATH or in /usr/sbin (daemons such as rsyslogd live there). */
    public static Path locate(String tool) {
        if (tool.contains("/") && Path.of(tool).toFile().canExecute()) {
            return Path.of(tool);
        }
        List<String> path = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "/usr/bin").split(":")));
        path.add("/usr/sbin");
        return path.stream().map(dir -> Path.of(dir, tool)).filter(p -> p.toFile().canExecute()).findFirst()
                .orElseThrow(() -> new IllegalStateException(tool + " is not installed; 'scripts/dev-services up "
                        + "--test-tools' installs it (Debian package " + debianPackage(tool) + ")"));
    }

    private static String debianPackage(String tool) {
        return switch (tool) {
            case "promtool" -> "prometheus";
            case "docker-compose" -> "docker-compose";
            case "logger" -> "bsdutils";
            case "rsyslogd" -> "rsyslog (and rsyslog-relp for omrelp)";
            default -> tool;
        };
    }
}
