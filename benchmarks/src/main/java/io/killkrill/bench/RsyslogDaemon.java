package io.killkrill.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * rsyslog (Debian rsyslog + rsyslog-elasticsearch): imtcp in, omelasticsearch bulk out, with the configuration of
 * /work/shared/bench/rsyslog-to-es.conf. {@link Queue#MEMORY} is that file as it is: a LinkedList ruleset queue of
 * 200,000 messages, which a killed rsyslogd loses. {@link Queue#DISK} is what an operator who must not lose an
 * accepted message runs, with the same bulk settings:
 * <ul>
 *   <li>the ruleset {@code Direct} (no memory queue in front: imtcp's threads enqueue straight into the action's),</li>
 *   <li>a pure {@code Disk} action queue on omelasticsearch, {@code queue.checkpointInterval="1"}: the queue's
 *   bookkeeping (.qi) is written after every record, the only setting for which rsyslog's documentation says "no data
 *   can be lost". A disk-assisted queue ({@code LinkedList} + {@code queue.filename}) spools only when memory is full
 *   or, with {@code saveOnShutdown}, at an orderly shutdown, so {@code kill -9} loses what it held in memory; a Disk
 *   queue with a longer interval loses the records after the last checkpoint.</li>
 *   <li>{@code queue.syncQueueFiles="off"}: written, not fsynced, so it survives a killed process but not a power
 *   cut, the guarantee KillKrill's Redis gives with {@code appendfsync everysec}.</li>
 * </ul>
 */
record RsyslogDaemon(Queue queue) implements PeerDaemon {

    enum Queue { MEMORY, DISK }

    @Override
    public String phase() {
        return queue == Queue.MEMORY ? "rsyslog" : "rsyslog-disk";
    }

    @Override
    public String label() {
        return queue == Queue.MEMORY ? "rsyslog, memory queue" : "rsyslog, disk queue";
    }

    @Override
    public String config(Target t) {
        String rulesetQueue = queue == Queue.MEMORY
                ? "queue.type=\"LinkedList\" queue.size=\"200000\" queue.dequeueBatchSize=\"2000\""
                : "queue.type=\"Direct\"";
        String actionQueue = queue == Queue.MEMORY ? "" : "\n         queue.type=\"Disk\" queue.filename=\"es-action\""
                + " queue.spoolDirectory=\"" + t.workDir() + "\"\n         queue.checkpointInterval=\"1\""
                + " queue.syncQueueFiles=\"off\" queue.maxDiskSpace=\"4g\" queue.dequeueBatchSize=\"2000\"";
        return """
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
                ruleset(name="toes" %6$s) {
                  action(type="omelasticsearch" server="%2$s" serverport="%3$d" template="esjson"
                         searchIndex="%4$s" bulkmode="on" maxbytes="10m" esVersion.major="8"
                         action.resumeRetryCount="-1"%7$s)
                }
                input(type="imtcp" port="%5$d" ruleset="toes")
                """.formatted(t.workDir(), t.esHost(), t.esPort(), t.index(), t.port(), rulesetQueue, actionQueue);
    }

    @Override
    public List<String> command(Path config, Target t) {
        return List.of("rsyslogd", "-n", "-f", config.toString(), "-i", t.workDir().resolve("rsyslogd.pid").toString());
    }

    @Override
    public Map<String, String> environment() {
        return Map.of();
    }

    @Override
    public String version() {
        return PeerProcess.firstLine(List.of("rsyslogd", "-v"), Map.of());
    }
}
