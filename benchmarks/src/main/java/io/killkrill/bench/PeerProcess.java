package io.killkrill.bench;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * rsyslog (Debian rsyslog + rsyslog-elasticsearch) as the peer: imtcp on its own port, omelasticsearch bulk
 * into the given index, its own pid file and work directory (so a system rsyslogd is never touched). The
 * configuration is /work/shared/bench/rsyslog-to-es.conf with the port, server and index filled in.
 */
final class RsyslogPeer implements AutoCloseable {
    private final Process process;
    final Path config;

    private RsyslogPeer(Process process, Path config) {
        this.process = process;
        this.config = config;
    }

    static RsyslogPeer start(Path workDir, int port, String esHost, int esPort, String index)
            throws IOException, InterruptedException {
        Files.createDirectories(workDir);
        Path config = workDir.resolve("rsyslog-to-es.conf");
        Files.writeString(config, """
                global(workDirectory="%1$s")
                module(load="imtcp" MaxSessions="100")
                module(load="omelasticsearch")
                template(name="esjson" type="list" option.jsonf="on") {
                  property(outname="@timestamp" name="timereported" dateFormat="rfc3339" format="jsonf")
                  property(outname="host" name="hostname" format="jsonf")
                  property(outname="service" name="app-name" format="jsonf")
                  property(outname="level" name="syslogseverity-text" format="jsonf")
                  property(outname="message" name="msg" format="jsonf")
                }
                ruleset(name="toes" queue.type="LinkedList" queue.size="200000" queue.dequeueBatchSize="2000") {
                  action(type="omelasticsearch" server="%2$s" serverport="%3$d" template="esjson"
                         searchIndex="%4$s" bulkmode="on" maxbytes="10m" esVersion.major="8"
                         action.resumeRetryCount="-1")
                }
                input(type="imtcp" port="%5$d" ruleset="toes")
                """.formatted(workDir, esHost, esPort, index, port));
        Process process = new ProcessBuilder("rsyslogd", "-n", "-f", config.toString(), "-i",
                workDir.resolve("rsyslogd.pid").toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(workDir.resolve("rsyslogd.log").toFile())).start();
        for (int i = 0; i < 100; i++) {
            if (!process.isAlive()) {
                throw new IllegalStateException("rsyslogd exited with " + process.exitValue() + ", see "
                        + workDir.resolve("rsyslogd.log"));
            }
            try (Socket probe = new Socket("127.0.0.1", port)) {
                return new RsyslogPeer(process, config);
            } catch (IOException notYet) {
                TimeUnit.MILLISECONDS.sleep(100); // waiting for rsyslogd to listen
            }
        }
        process.destroy();
        throw new IllegalStateException("rsyslogd did not listen on " + port);
    }

    long pid() {
        return process.pid();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
