package io.killkrill.it.support;

import io.killkrill.logworker.DeadLetterTool;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The dead-letter tool as an operator runs it ({@code ./killkrill dlq ...} runs the same): the log-worker jar's
 * {@code io.killkrill.logworker.DeadLetterTool}, a process of its own, with exactly the given settings.
 */
public final class DeadLetterToolProcess {
    public static final String MAIN_CLASS = "io.killkrill.logworker.DeadLetterTool";
    /** The system property that runs {@link #run(Map, String...)} in this JVM. */
    public static final String IN_PROCESS = "killkrill.it.toolsInProcess";

    /** A finished run: its exit status and everything it printed (stdout and stderr). */
    public record Result(int exitStatus, String output) {
    }

    private DeadLetterToolProcess() {
    }

    /** A run under way: its process (to wait for, or to kill) and the file its output goes to. */
    public record Running(Process process, Path log) {
        /** Waits for the end of the run (at most 60 s). */
        public Result finish() {
            try {
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    throw new IllegalStateException("the tool did not end within 60 s:\n"
                            + Files.readString(log));
                }
                return new Result(process.exitValue(), Files.readString(log));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** Starts the tool; the caller finishes it, or kills it. */
    public static Running start(Map<String, String> environment, String... args) {
        try {
            Path log = Files.createTempFile("killkrill-dlq-", ".log");
            return new Running(ServiceJar.of("log-worker").startMain(MAIN_CLASS, environment, log, args), log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the dead-letter tool", e);
        }
    }

    /**
     * Runs the tool to its end (at most 60 s). With {@value #IN_PROCESS} set (the {@code -Pmutation-live} run), in
     * this JVM through {@link DeadLetterTool#run(Map, PrintStream, PrintStream, String...)}, where PIT's mutant is:
     * the same settings, output and exit status, without the jar.
     */
    public static Result run(Map<String, String> environment, String... args) {
        if (Boolean.getBoolean(IN_PROCESS)) {
            ByteArrayOutputStream output = new ByteArrayOutputStream();
            PrintStream printed = new PrintStream(output, true, StandardCharsets.UTF_8);
            int status = DeadLetterTool.run(environment, printed, printed, args);
            return new Result(status, output.toString(StandardCharsets.UTF_8));
        }
        return start(environment, args).finish();
    }

    /** Runs another tool of a service jar the same way, e.g. the log-worker's {@code LogAudit}. */
    public static Result run(String module, String mainClass, Map<String, String> environment, String... args) {
        try {
            Path log = Files.createTempFile("killkrill-tool-", ".log");
            return new Running(ServiceJar.of(module).startMain(mainClass, environment, log, args), log).finish();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + mainClass, e);
        }
    }
}
