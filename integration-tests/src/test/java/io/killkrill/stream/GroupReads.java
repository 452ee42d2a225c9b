package io.killkrill.stream;

import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamEntry;

import java.util.List;
import java.util.Map;

/** What the stream ITs do by hand to a group: read as some consumer, as a departed or crashed replica would. */
final class GroupReads {
    private GroupReads() {
    }

    /**
     * Reads up to {@code count} new entries of {@code stream} as {@code consumer} of {@code group} (created at the
     * stream's start if missing) and leaves them pending for it.
     */
    static List<StreamEntry> readAs(UnifiedJedis jedis, String stream, String group, String consumer, int count) {
        try {
            jedis.xgroupCreate(stream, group, new StreamEntryID(0, 0), true);
        } catch (RuntimeException busy) {
            // BUSYGROUP: exists already
        }
        var read = jedis.xreadGroup(group, consumer, XReadGroupParams.xReadGroupParams().count(count),
                Map.of(stream, StreamEntryID.UNRECEIVED_ENTRY));
        return read == null || read.isEmpty() ? List.of() : read.get(0).getValue();
    }
}
