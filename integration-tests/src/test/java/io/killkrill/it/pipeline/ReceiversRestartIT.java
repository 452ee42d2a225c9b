package io.killkrill.it.pipeline;

import dev.failsafe.Failsafe;
import dev.failsafe.RetryPolicy;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Scenario 5: the receivers process restarted while a syslog TCP client is connected. TCP syslog has no
 * acknowledgement, so a client cannot know what the receivers read before a restart; the honest contract is
 * the graceful one: on SIGTERM the receivers store what they have read, close the connection, and the client
 * reconnects and continues with what it has not written yet.
 */
class ReceiversRestartIT extends PipelineScenario {

    /**
     * Four batches of 250 RFC 5424 messages over TCP; between batches (once the batch is indexed, so the
     * receivers have read all of it) the receivers get SIGTERM and are started again, three times. Proof:
     * each stop runs the graceful shutdown (logged, exit 0) and closes the client's connection (the client reads EOF); the client reconnects
     * (retrying refused connections) and writes the next batch; Elasticsearch finally holds exactly the 1000
     * messages written, each once, no dead letter, the log group drained.
     */
    @Test
    void receiversRestartedBetweenBatchesWhileTheSyslogClientReconnects() throws Exception {
        String run = run("rx_restart");
        Set<String> written = new HashSet<>();
        Socket socket = connect();
        for (int batch = 0; batch < 4; batch++) {
            StringBuilder frames = new StringBuilder();
            for (int i = batch * 250; i < batch * 250 + 250; i++) {
                frames.append(rfc5424(run, run + "-" + i)).append('\n');
                written.add(run + "-" + i);
            }
            OutputStream out = socket.getOutputStream();
            out.write(frames.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            int total = written.size();
            await("batch " + batch + " indexed").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                    .until(() -> indexed(run) >= total);
            if (batch < 3) {
                // the JVM's status for SIGTERM (128 + 15), reached after the shutdown hook flushed and closed
                assertThat(receivers.stop()).as("receivers exit status after SIGTERM").isZero();
                assertThat(receivers.output()).as("graceful shutdown logged").contains("receivers stopped");
                assertThat(closedByServer(socket)).as("the server closed the client's connection").isTrue();
                socket.close();
                receivers.start();
                socket = connect(); // refused until the receivers listen again
            }
        }
        socket.close();

        awaitLogs(run, 1000, 0, Duration.ofSeconds(60));

        assertThat(indexed(run)).isEqualTo(1000);
        assertThat(indexedMessages(run)).isEqualTo(written);
        assertThat(duplicateMessages(run)).isEmpty();
        assertThat(deadLettersOf(streams.logsDlq(), run)).isEmpty();
        assertThat(logsDrained()).isTrue();
    }

    /**
     * Regression for issue 13 item 9 ("on SIGTERM the data already in the kernel's TCP buffers is not read"): a client
     * writes 20,000 RFC 5424 messages over one TCP connection and closes it, and the receivers get SIGTERM the moment
     * the write returns, while much of it still waits unread in the kernel's socket buffers. Proof: the stop is
     * graceful (exit 0), and after a restart Elasticsearch holds exactly the 20,000 messages written, each once
     * (20,000 documents of the run, and the terms aggregation with min_doc_count 2 finds no message twice), no dead
     * letter: sent = indexed + dead-lettered (0).
     */
    @Test
    void messagesAlreadySentWhenSigtermArrivesAreReadAndStored() throws Exception {
        // the receivers read until the client's EOF, bounded by the shutdown grace: the class's 2 s did not always
        // suffice for 20,000 messages while other test JVMs kept the two cores busy (twice, with the cluster ITs
        // running alongside), and what the grace cuts off is the bound working, not this regression
        receivers.stop();
        receivers = pipeline.receivers(Map.of("KILLKRILL_SHUTDOWN_GRACE", "30s"));
        receivers.start().awaitReady();
        String run = run("rx_sigterm");
        StringBuilder frames = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            frames.append(rfc5424(run, run + "-" + i)).append('\n');
        }
        try (Socket socket = connect()) {
            socket.getOutputStream().write(frames.toString().getBytes(StandardCharsets.UTF_8));
        }
        assertThat(receivers.stop()).as("receivers exit status after SIGTERM").isZero();
        assertThat(receivers.output()).contains("stopping: 1 open syslog connections");
        receivers.start().awaitReady();

        awaitLogs(run, 20_000, 0, Duration.ofSeconds(120));

        assertThat(indexed(run)).isEqualTo(20_000);
        assertThat(duplicateMessages(run)).isEmpty();
        assertThat(deadLettersOf(streams.logsDlq(), run)).isEmpty();
    }

    private Socket connect() {
        RetryPolicy<Socket> retry = RetryPolicy.<Socket>builder().handle(IOException.class)
                .withBackoff(Duration.ofMillis(50), Duration.ofMillis(500)).withMaxDuration(Duration.ofSeconds(60))
                .withMaxRetries(-1).build();
        return Failsafe.with(retry).get(() -> new Socket("127.0.0.1", pipeline.syslogPort()));
    }

    private static boolean closedByServer(Socket socket) throws IOException {
        socket.setSoTimeout(10_000);
        try (InputStream in = socket.getInputStream()) {
            return in.read() == -1;
        } catch (SocketException e) {
            return true; // reset: closed as well
        }
    }
}
