package io.killkrill.it.logworker;

import io.killkrill.config.StreamNames;
import io.killkrill.it.support.DeadLetterToolProcess;
import io.killkrill.it.support.ElasticsearchExtension;
import io.killkrill.it.support.ElasticsearchService;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.model.AuditSlot;
import io.killkrill.model.StreamEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XReadGroupParams;

import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The audit never loads an entry: a 48 MB entry pending in the group (the poison that kills a worker on every
 * delivery) and a 48 MB dead letter are counted from their {@code audit} field, read inside Redis, by the log
 * audit running with a 64 MB heap. Before, it read entries and letters whole and the log-worker's periodic audit
 * died of it (OutOfMemoryError) right after the poison was dead-lettered. Proof: the audit from the log-worker
 * jar at {@code -Xmx64m} exits 0 with the minute reconciled (accepted 2 = dead 1 + pending 1).
 */
@ExtendWith({RedisExtension.class, ElasticsearchExtension.class})
class AuditLargeEntriesIT {

    @Test
    void aPendingEntryAndADeadLetterOf48MbAreCountedWithoutLoadingThem(RedisService redis,
                                                                        ElasticsearchService elasticsearch) {
        StreamNames streams = StreamNames.prefixed(RedisService.uniquePrefix("audit-large"));
        JedisPooled jedis = redis.client();
        long minute = AuditSlot.minuteOf(Instant.now());
        String slot = new AuditSlot(minute, "big").wire();
        String pad = "p".repeat(48 << 20);
        try {
            jedis.xgroupCreate(streams.logs(), streams.logGroup(), new StreamEntryID(0, 0), true);
            jedis.xadd(streams.logs(), StreamEntryID.NEW_ENTRY, Map.of(StreamEntry.SCHEMA_VERSION, "1",
                    StreamEntry.DATA, "{\"pad\":\"" + pad + "\"}", StreamEntry.AUDIT, slot));
            assertThat(jedis.xreadGroup(streams.logGroup(), "c1", XReadGroupParams.xReadGroupParams().count(1),
                    Map.of(streams.logs(), StreamEntryID.UNRECEIVED_ENTRY))).as("the poison is pending").hasSize(1);
            jedis.xadd(streams.logsDlq(), StreamEntryID.NEW_ENTRY, Map.of(StreamEntry.SCHEMA_VERSION, "1",
                    "reason", "max_deliveries_exceeded", "stage", "bulk_index",
                    StreamEntry.DATA, "{\"original\":{\"data\":\"" + pad + "\"}}", StreamEntry.AUDIT, slot));
            jedis.hincrBy(AuditSlot.key(streams.logs(), minute), "big", 2);

            DeadLetterToolProcess.Result audit = DeadLetterToolProcess.run("log-worker",
                    "io.killkrill.logworker.LogAudit", Map.of(
                            "JAVA_TOOL_OPTIONS", "-Xmx64m -XX:+ExitOnOutOfMemoryError",
                            "KILLKRILL_REDIS_URL", redis.uri().toString(),
                            "KILLKRILL_LOGS_STREAM", streams.logs(), "KILLKRILL_LOGS_DLQ", streams.logsDlq(),
                            "KILLKRILL_LOG_GROUP", streams.logGroup(),
                            "KILLKRILL_ELASTICSEARCH_URL", elasticsearch.uri().toString(),
                            "KILLKRILL_ELASTICSEARCH_INDEX_PREFIX", ElasticsearchService.uniqueIndex("audit-large")),
                    "--since", "5m", "--service", "big");
            assertThat(audit.output()).doesNotContain("java.lang.OutOfMemoryError");
            assertThat(audit.exitStatus()).as(audit.output()).isZero();
            assertThat(audit.output()).containsPattern("\\s2\\s+0\\s+1\\s+1\\s+0\\s+ok")
                    .contains("every minute reconciled (2 accepted)");
        } finally {
            jedis.del(streams.logs(), streams.logsDlq(), AuditSlot.key(streams.logs(), minute));
        }
    }
}
