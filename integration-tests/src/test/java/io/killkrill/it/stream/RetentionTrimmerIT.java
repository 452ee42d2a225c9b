package io.killkrill.it.stream;

import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.stream.RetentionTrimmer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamEntry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Trimming removes only what every group has acknowledged, against real Redis. */
@ExtendWith(RedisExtension.class)
class RetentionTrimmerIT {
    private String stream;
    private JedisPooled jedis;

    @AfterEach
    void tearDown() {
        jedis.del(stream);
    }

    @Test
    void onlyEntriesAcknowledgedByEveryGroupAreTrimmed(RedisService redis) {
        jedis = redis.client();
        stream = RedisService.uniquePrefix("lw-trim") + "logs-stream";
        List<StreamEntryID> ids = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ids.add(jedis.xadd(stream, StreamEntryID.NEW_ENTRY, Map.of("n", Integer.toString(i))));
        }
        jedis.xgroupCreate(stream, "fast", new StreamEntryID(0, 0), false);
        jedis.xgroupCreate(stream, "slow", new StreamEntryID(0, 0), false);
        RetentionTrimmer trimmer = new RetentionTrimmer(jedis, stream);

        List<StreamEntry> fast = read("fast", 10);
        jedis.xack(stream, "fast", fast.stream().map(StreamEntry::getID).toArray(StreamEntryID[]::new));
        assertThat(trimmer.trimOnce().removed()).as("slow has read nothing").isZero();

        List<StreamEntry> slow = read("slow", 6);
        // slow acknowledges 0..2 and 4..5, but 3 stays pending
        jedis.xack(stream, "slow", ids.get(0), ids.get(1), ids.get(2), ids.get(4), ids.get(5));
        RetentionTrimmer.Trim trim = trimmer.trimOnce();

        assertThat(slow).hasSize(6);
        assertThat(trim.removed()).isEqualTo(3);
        assertThat(trim.trimmedBefore()).contains(ids.get(3));
        assertThat(jedis.xrange(stream, "-", "+")).extracting(StreamEntry::getID)
                .as("the pending entry and everything after it stay").containsExactlyElementsOf(ids.subList(3, 10));

        jedis.xack(stream, "slow", ids.get(3));
        read("slow", 10);
        jedis.xack(stream, "slow", ids.subList(6, 10).toArray(StreamEntryID[]::new));
        assertThat(trimmer.trimOnce().removed()).isEqualTo(7);
        assertThat(jedis.xlen(stream)).isZero();
    }

    /** Issue 16: a stream that does not exist, or has no group, is left alone (nothing to trim for). */
    @Test
    void aMissingStreamOrOneWithoutGroupsIsLeftAlone(RedisService redis) {
        jedis = redis.client();
        stream = RedisService.uniquePrefix("lw-trim-alone") + "logs-stream";
        RetentionTrimmer trimmer = new RetentionTrimmer(jedis, stream);

        assertThat(trimmer.groups()).as("XINFO GROUPS of a missing key: no groups, not an error").isEmpty();
        RetentionTrimmer.Trim missing = trimmer.trimOnce();
        assertThat(missing.trimmedBefore()).isEmpty();
        assertThat(missing.removed()).isZero();

        jedis.xadd(stream, StreamEntryID.NEW_ENTRY, Map.of("n", "0"));
        RetentionTrimmer.Trim noGroup = trimmer.trimOnce();
        assertThat(noGroup.trimmedBefore()).isEmpty();
        assertThat(noGroup.groups()).isEmpty();
        assertThat(jedis.xlen(stream)).isEqualTo(1);
    }

    /** Each group's state as Redis reports it: pending, last delivered, oldest pending and lag (Redis 7). */
    @Test
    void theGroupStatesSayWhatEachGroupHasReadAndHolds(RedisService redis) {
        jedis = redis.client();
        stream = RedisService.uniquePrefix("lw-trim-state") + "logs-stream";
        List<StreamEntryID> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(jedis.xadd(stream, StreamEntryID.NEW_ENTRY, Map.of("n", Integer.toString(i))));
        }
        jedis.xgroupCreate(stream, "reader", new StreamEntryID(0, 0), false);
        jedis.xgroupCreate(stream, "idle", new StreamEntryID(0, 0), false);
        read("reader", 3);
        jedis.xack(stream, "reader", ids.get(0));

        List<RetentionTrimmer.GroupState> groups = new RetentionTrimmer(jedis, stream).groups();

        assertThat(groups).extracting(RetentionTrimmer.GroupState::group).containsExactlyInAnyOrder("reader", "idle");
        RetentionTrimmer.GroupState reader = groups.stream().filter(g -> g.group().equals("reader")).findFirst()
                .orElseThrow();
        RetentionTrimmer.GroupState idle = groups.stream().filter(g -> g.group().equals("idle")).findFirst()
                .orElseThrow();
        assertThat(reader.pending()).isEqualTo(2);
        assertThat(reader.lastDelivered()).isEqualTo(ids.get(2));
        assertThat(reader.oldestPending()).contains(ids.get(1));
        assertThat(reader.lag()).as("entries not yet delivered to the group").isEqualTo(2);
        assertThat(idle.pending()).isZero();
        assertThat(idle.oldestPending()).isEmpty();
        assertThat(idle.lag()).isEqualTo(5);
    }

    private List<StreamEntry> read(String group, int count) {
        var read = jedis.xreadGroup(group, "c", XReadGroupParams.xReadGroupParams().count(count),
                Map.of(stream, StreamEntryID.UNRECEIVED_ENTRY));
        return read == null || read.isEmpty() ? List.of() : read.get(0).getValue();
    }
}
