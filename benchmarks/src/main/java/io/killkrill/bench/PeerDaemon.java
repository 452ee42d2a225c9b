package io.killkrill.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A syslog daemon measured beside KillKrill: it receives the syslog generator's RFC 5424 messages over TCP on its own
 * port and bulk-indexes them into an index of the same Elasticsearch. Each implementation renders its configuration
 * (pure, unit-tested) and says how to run it in the foreground with its own pid file and state, so a system daemon of
 * the same kind is never touched. {@link PeerProcess} runs it.
 */
sealed interface PeerDaemon permits RsyslogDaemon, SyslogNgDaemon {

    /** Where a peer listens, what it writes into and where it keeps its state. */
    record Target(Path workDir, int port, String esHost, int esPort, String index) {
    }

    /** The phase and report section: {@code rsyslog}, {@code rsyslog-disk}, {@code syslog-ng}. */
    String phase();

    /** What the report's rows call it: {@code "rsyslog, memory queue"}. */
    String label();

    /** The configuration file's contents for {@code target}. */
    String config(Target target);

    /** The command line that runs it in the foreground with {@code config}. */
    List<String> command(Path config, Target target);

    /** Extra environment of the process (a library path). */
    Map<String, String> environment();

    /** The first line of its version output. */
    String version();
}
