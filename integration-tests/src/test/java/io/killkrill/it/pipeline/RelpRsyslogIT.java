package io.killkrill.it.pipeline;

import io.killkrill.it.support.ExternalTool;
import io.killkrill.it.support.FreePorts;
import io.killkrill.it.support.PipelineProcesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The real rsyslog (Debian {@code rsyslog} + {@code rsyslog-relp}) forwarding over RELP ({@code omrelp}, window 128,
 * an action queue of its own, retrying for ever) to the receivers process, while the receivers are stopped with
 * SIGTERM three times and killed with SIGKILL once. The test runs its own {@code rsyslogd -n} with its own config,
 * pid file and work directory, and writes the messages to that rsyslogd's {@code imtcp} input.
 *
 * <p>20,000 messages by default ({@code -Dkillkrill.relp.messages=N} for another size), in five parts; each of the
 * first four restarts lands while rsyslog is forwarding a part (once the receivers stored its first entries).
 */
class RelpRsyslogIT extends PipelineScenario {
    private static final int WINDOW = 128;
    private Process rsyslogd;
    private Path rsyslogDir;

    @Override
    protected void startServices() throws Exception {
        receivers = pipeline.receivers(Map.of("KILLKRILL_RELP_PORT", Integer.toString(pipeline.relpPort()),
                "KILLKRILL_SHUTDOWN_GRACE", "5s"));
        logWorkers.add(pipeline.logWorker("lw-1", Map.of()));
        PipelineProcesses.startAll(receivers, logWorkers.get(0));
    }

    @AfterEach
    void stopRsyslog() throws Exception {
        if (rsyslogd != null && rsyslogd.isAlive()) {
            rsyslogd.destroy();
            if (!rsyslogd.waitFor(10, TimeUnit.SECONDS)) {
                rsyslogd.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * Proof, in three steps. (1) After the three SIGTERM restarts (each exits 0), everything written so far is
     * indexed and no message is indexed twice (every message read back and counted): a graceful stop
     * answers what it stored and leaves the rest unanswered, so rsyslog resends exactly what was not stored.
     * (2) Then a part is written and the receivers are killed while forwarding it, and the last part is written.
     * (3) Reconciliation: the run's indexed messages are exactly the sent ones (count of distinct messages = sent; no
     * dead letter), and the duplicates, printed, are only messages of the part in flight at the kill and at most one
     * window (the frames rsyslog held unanswered when the answers were lost), each indexed twice at most.
     */
    @Test
    void rsyslogForwardsEveryMessageOverRelpWhileTheReceiversRestartAndDie() throws Exception {
        int total = Integer.getInteger("killkrill.relp.messages", 20_000);
        int part = total / 5;
        String run = run("relp_rsyslog");
        int input = startRsyslog();
        long started = System.nanoTime();
        List<String> storedAtStops = new ArrayList<>();
        try (Socket socket = connect(input)) {
            OutputStream out = socket.getOutputStream();
            for (int p = 0; p < 3; p++) {
                writePart(out, run, p, part);
                awaitStored(run, p * part + part / 10, "part " + p + " being forwarded");
                storedAtStops.add("SIGTERM at " + entriesAdded() + " of " + (p + 1) * part + " written");
                assertThat(receivers.stop()).as("receivers exit status after SIGTERM %d", p + 1).isZero();
                receivers.start().awaitReady();
            }
            awaitLogs(run, 3L * part, 0, Duration.ofSeconds(60));
            assertThat(duplicateMessages(run, 10_000)).as("no duplicate after three graceful restarts").isEmpty();

            writePart(out, run, 3, part);
            awaitStored(run, 3 * part + part / 10, "part 3 being forwarded");
            storedAtStops.add("SIGKILL at " + entriesAdded() + " of " + 4 * part + " written");
            assertThat(receivers.kill()).as("receivers exit status after SIGKILL").isEqualTo(137);
            receivers.start().awaitReady();
            writePart(out, run, 4, total - 4 * part);
        }
        await(run + ": every one of the " + total + " messages indexed").atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(500)).until(() -> distinctIndexed(run) >= total && logsDrained());

        List<String> duplicates = duplicateMessages(run, 10_000);
        long indexed = indexed(run);
        System.out.printf("RELP via rsyslog: sent %d, indexed %d documents, %d distinct messages, %d duplicated "
                        + "%s, dead letters %d, in %d s; entries stored when stopped: %s%n", total, indexed,
                distinctIndexed(run), duplicates.size(), duplicates, deadLettersOf(streams.logsDlq(), run).size(),
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started), storedAtStops);
        assertThat(distinctIndexed(run)).isEqualTo(total);
        assertThat(deadLettersOf(streams.logsDlq(), run)).isEmpty();
        assertThat(duplicates).as("duplicates only from the frames unanswered at the kill").hasSizeLessThanOrEqualTo(WINDOW)
                .allSatisfy(d -> {
                    assertThat(d).endsWith(" x2");
                    int index = Integer.parseInt(d.substring(run.length() + 1, d.indexOf(' ')));
                    assertThat(index).as("message of the part in flight at the kill").isBetween(3 * part, 4 * part - 1);
                });
        assertThat(indexed).isEqualTo(total + duplicates.size());
    }

    private void writePart(OutputStream out, String run, int part, int count) throws IOException {
        StringBuilder lines = new StringBuilder();
        int from = part * (Integer.getInteger("killkrill.relp.messages", 20_000) / 5);
        for (int i = from; i < from + count; i++) {
            lines.append(rfc5424(run, run + "-" + i)).append('\n');
        }
        out.write(lines.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Waits until the receivers stored {@code count} entries of the run (its stream entries, read or not). */
    private void awaitStored(String run, long count, String what) {
        await(what + ": " + count + " entries stored").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(50)).until(() -> entriesAdded() >= count);
    }

    private long entriesAdded() {
        if (!jedis().exists(streams.logs())) {
            return 0;
        }
        Object added = jedis().xinfoStream(streams.logs()).getStreamInfo().get("entries-added");
        return added instanceof Long n ? n : 0;
    }

    private long distinctIndexed(String run) throws IOException {
        return indexed(run) - duplicateMessages(run, 10_000).stream()
                .mapToLong(d -> Long.parseLong(d.substring(d.lastIndexOf('x') + 1)) - 1).sum();
    }

    /** rsyslogd in the foreground with this test's config: imtcp on a free port, omrelp to the receivers. */
    private int startRsyslog() throws Exception {
        Path rsyslog = ExternalTool.locate("rsyslogd");
        rsyslogDir = Files.createTempDirectory("killkrill-rsyslog-");
        int input = FreePorts.next();
        Path conf = rsyslogDir.resolve("rsyslog.conf");
        Files.writeString(conf, """
                global(workDirectory="%s" maxMessageSize="64k")
                module(load="imtcp")
                module(load="omrelp")
                input(type="imtcp" address="127.0.0.1" port="%d" ruleset="forward")
                ruleset(name="forward") {
                  action(type="omrelp" target="127.0.0.1" port="%d" template="RSYSLOG_SyslogProtocol23Format"
                         windowSize="%d" timeout="10"
                         queue.type="LinkedList" queue.filename="relp-forward" queue.size="200000"
                         queue.saveOnShutdown="on"
                         action.resumeRetryCount="-1" action.resumeInterval="1")
                }
                """.formatted(rsyslogDir, input, pipeline.relpPort(), WINDOW));
        ExternalTool.Result check = ExternalTool.run(rsyslogDir, new byte[0], rsyslog.toString(), "-N1", "-f",
                conf.toString());
        assertThat(check.exitCode()).as("rsyslogd -N1 said: %s", check.output()).isZero();
        if (!Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/rsyslog/omrelp.so"))
                && !Files.exists(Path.of("/usr/lib/rsyslog/omrelp.so"))) {
            throw new IllegalStateException("omrelp is not installed; 'scripts/dev-services up --test-tools' "
                    + "installs it (Debian package rsyslog-relp)");
        }
        rsyslogd = new ProcessBuilder(rsyslog.toString(), "-n", "-f", conf.toString(), "-i",
                rsyslogDir.resolve("rsyslogd.pid").toString()).redirectErrorStream(true)
                .redirectOutput(rsyslogDir.resolve("rsyslogd.log").toFile()).start();
        owned.add(() -> {
            if (rsyslogd.isAlive()) {
                rsyslogd.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        });
        await("rsyslogd listens on its imtcp port " + input).atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
                    if (!rsyslogd.isAlive()) {
                        throw new IllegalStateException("rsyslogd exited: " + Files.readString(
                                rsyslogDir.resolve("rsyslogd.log")));
                    }
                    try (Socket probe = new Socket("127.0.0.1", input)) {
                        return true;
                    }
                });
        return input;
    }

    private static Socket connect(int port) throws IOException {
        return new Socket("127.0.0.1", port);
    }
}
