package io.killkrill.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * syslog-ng 3.38 (Debian syslog-ng-core + syslog-ng-mod-http + syslog-ng-scl), unpacked by
 * {@code scripts/install-bench-peers} into {@code prefix} (it conflicts with rsyslog, so it is not installed), run
 * from there. A {@code network()} TCP source parsing RFC 5424 ({@code flags(syslog-protocol)}), the SCL's
 * {@code elasticsearch-http()} with the bulk settings of the rsyslog peer (2000 messages per request) and its default
 * 4 workers, and the document rsyslog writes (@timestamp, host, service, level, message; the host from the message,
 * {@code keep-hostname(yes)}, as rsyslog's {@code hostname}). What it guarantees: a
 * {@code reliable(yes)} disk buffer (every message is on disk before it counts as queued: a killed syslog-ng loses
 * none) and {@code flags(flow-control)}, so a full buffer slows the senders down instead of dropping messages.
 */
record SyslogNgDaemon(Path prefix) implements PeerDaemon {

    /** Messages in flight per connection before flow control stops reading it: the source window over 10 connections. */
    static final int WINDOW_PER_CONNECTION = 10_000;

    @Override
    public String phase() {
        return "syslog-ng";
    }

    @Override
    public String label() {
        return "syslog-ng, reliable disk buffer";
    }

    @Override
    public String config(Target t) {
        return """
                @version: 3.38
                @include "%1$s/usr/share/syslog-ng/include/scl/elasticsearch/elastic-http.conf"
                options { keep-hostname(yes); use-dns(no); frac-digits(3); send-time-zone("+00:00"); stats-freq(0); };
                source s_tcp {
                  network(transport("tcp") ip("127.0.0.1") port(%2$d) flags(syslog-protocol)
                          max-connections(10) log-iw-size(%7$d) log-fetch-limit(1000));
                };
                destination d_es {
                  elasticsearch-http(url("http://%3$s:%4$d/_bulk") index("%5$s") type("")
                    workers(4) batch-lines(2000) batch-bytes(10MB)
                    template("$(format-json @timestamp=${ISODATE} host=${HOST} service=${PROGRAM} level=${LEVEL} message=${MESSAGE})")
                    disk-buffer(reliable(yes) disk-buf-size(1073741824) dir("%6$s")));
                };
                log { source(s_tcp); destination(d_es); flags(flow-control); };
                """.formatted(prefix, t.port(), t.esHost(), t.esPort(), t.index(), t.workDir(),
                10 * WINDOW_PER_CONNECTION);
    }

    @Override
    public List<String> command(Path config, Target t) {
        return List.of(binary().toString(), "-F", "-e", "--no-caps", "-f", config.toString(),
                "--module-path=" + prefix.resolve("usr/lib/syslog-ng/3.38"),
                "-R", t.workDir().resolve("syslog-ng.persist").toString(),
                "-p", t.workDir().resolve("syslog-ng.pid").toString(),
                "-c", t.workDir().resolve("syslog-ng.ctl").toString());
    }

    @Override
    public Map<String, String> environment() {
        return Map.of("LD_LIBRARY_PATH", prefix.resolve("usr/lib/syslog-ng").toString());
    }

    @Override
    public String version() {
        return PeerProcess.firstLine(List.of(binary().toString(), "--version"), environment());
    }

    private Path binary() {
        return prefix.resolve("usr/sbin/syslog-ng");
    }
}
