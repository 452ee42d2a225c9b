package io.killkrill.bench;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class PeerDaemonTest {
    private static final PeerDaemon.Target TARGET = new PeerDaemon.Target(Path.of("/tmp/bench-run/peer"), 10514,
            "127.0.0.1", 49200, "kkbench-run-peer");
    private static final RsyslogDaemon MEMORY = new RsyslogDaemon(RsyslogDaemon.Queue.MEMORY);
    private static final RsyslogDaemon DISK = new RsyslogDaemon(RsyslogDaemon.Queue.DISK);
    private static final SyslogNgDaemon SYSLOG_NG = new SyslogNgDaemon(Path.of("/opt/syslog-ng"));

    @Test
    void theMemoryQueueConfigIsTheAnchorsWithOurPortServerAndIndex() {
        String config = MEMORY.config(TARGET);

        assertThat(config).contains("global(workDirectory=\"/tmp/bench-run/peer\")",
                "ruleset(name=\"toes\" queue.type=\"LinkedList\" queue.size=\"200000\" queue.dequeueBatchSize=\"2000\")",
                "server=\"127.0.0.1\" serverport=\"49200\"", "searchIndex=\"kkbench-run-peer\"",
                "input(type=\"imtcp\" port=\"10514\" ruleset=\"toes\")");
        assertThat(config).doesNotContain("Disk");
    }

    @Test
    void theDiskQueueHasNoMemoryQueueInFrontAndCheckpointsEveryRecord() {
        String config = DISK.config(TARGET);

        assertThat(config).contains("ruleset(name=\"toes\" queue.type=\"Direct\")",
                "queue.type=\"Disk\" queue.filename=\"es-action\" queue.spoolDirectory=\"/tmp/bench-run/peer\"",
                "queue.checkpointInterval=\"1\"", "queue.syncQueueFiles=\"off\"");
        assertThat(config).doesNotContain("LinkedList");
        // the queue's parameters belong to the omelasticsearch action, inside its parentheses
        String action = config.substring(config.indexOf("action("), config.indexOf(")\n}", config.indexOf("action(")));
        assertThat(action).contains("queue.type=\"Disk\"", "queue.dequeueBatchSize=\"2000\"");
    }

    @Test
    void bothRsyslogConfigsShareTheBulkSettingsAndTheDocument() {
        for (String line : List.of("bulkmode=\"on\" maxbytes=\"10m\" esVersion.major=\"8\"",
                "action.resumeRetryCount=\"-1\"", "template=\"esjson\"", "module(load=\"imtcp\" MaxSessions=\"100\")")) {
            assertThat(MEMORY.config(TARGET)).contains(line);
            assertThat(DISK.config(TARGET)).contains(line);
        }
        assertThat(MEMORY.phase()).isEqualTo("rsyslog");
        assertThat(DISK.phase()).isEqualTo("rsyslog-disk");
    }

    @Test
    void syslogNgKeepsEveryMessageOnDiskAndSlowsSendersInsteadOfDropping() {
        String config = SYSLOG_NG.config(TARGET);

        assertThat(config).contains("@version: 3.38",
                "@include \"/opt/syslog-ng/usr/share/syslog-ng/include/scl/elasticsearch/elastic-http.conf\"",
                "network(transport(\"tcp\") ip(\"127.0.0.1\") port(10514) flags(syslog-protocol)",
                "elasticsearch-http(url(\"http://127.0.0.1:49200/_bulk\") index(\"kkbench-run-peer\") type(\"\")",
                "batch-lines(2000)", "disk-buffer(reliable(yes)", "dir(\"/tmp/bench-run/peer\")",
                "flags(flow-control)", "log-iw-size(" + 10 * SyslogNgDaemon.WINDOW_PER_CONNECTION + ")");
    }

    @Test
    void syslogNgWritesTheFieldsRsyslogWrites() {
        Set<String> rsyslog = matches(Pattern.compile("outname=\"([^\"]+)\""), MEMORY.config(TARGET));
        Set<String> syslogNg = matches(Pattern.compile(" ([@a-z]+)=\\$\\{"), SYSLOG_NG.config(TARGET));

        assertThat(rsyslog).containsExactly("@timestamp", "host", "service", "level", "message");
        assertThat(syslogNg).containsExactlyElementsOf(rsyslog);
    }

    @Test
    void syslogNgRunsFromItsPrefixWithItsOwnStateFiles() {
        List<String> command = SYSLOG_NG.command(Path.of("/tmp/bench-run/peer/syslog-ng.conf"), TARGET);

        assertThat(command.get(0)).isEqualTo("/opt/syslog-ng/usr/sbin/syslog-ng");
        assertThat(command).contains("-F", "--module-path=/opt/syslog-ng/usr/lib/syslog-ng/3.38",
                "/tmp/bench-run/peer/syslog-ng.persist", "/tmp/bench-run/peer/syslog-ng.pid",
                "/tmp/bench-run/peer/syslog-ng.ctl");
        assertThat(SYSLOG_NG.environment()).containsEntry("LD_LIBRARY_PATH", "/opt/syslog-ng/usr/lib/syslog-ng");
    }

    @Test
    void theTargetIsOneAndATenthOfRsyslogsMemoryQueueAndTwiceTheDiskBackedPeers() {
        assertThat(PipelineBenchmark.syslogTarget(MEMORY)).isEqualTo(1.10);
        assertThat(PipelineBenchmark.syslogTarget(DISK)).isEqualTo(2.00);
        assertThat(PipelineBenchmark.syslogTarget(SYSLOG_NG)).isEqualTo(2.00);
    }

    private static Set<String> matches(Pattern pattern, String text) {
        Set<String> found = new LinkedHashSet<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }
}
