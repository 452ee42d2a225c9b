package io.killkrill.it.harness;

import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamEntry;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The Redis the suite runs against is real: stream entries go through a consumer group and get acknowledged. */
@ExtendWith(RedisExtension.class)
class RedisHarnessIT {

    @Test
    void entriesRoundTripThroughAConsumerGroupAndAreAcknowledged(RedisService redis) {
        var jedis = redis.client();
        String stream = RedisService.uniquePrefix("harness") + "stream";
        jedis.xgroupCreate(stream, "group", new StreamEntryID(), true);

        StreamEntryID first = jedis.xadd(stream, StreamEntryID.NEW_ENTRY, Map.of("data", "one"));
        StreamEntryID second = jedis.xadd(stream, StreamEntryID.NEW_ENTRY, Map.of("data", "two"));

        List<Map.Entry<String, List<StreamEntry>>> read = jedis.xreadGroup("group", "consumer-1",
                XReadGroupParams.xReadGroupParams().count(10), Map.of(stream, StreamEntryID.UNRECEIVED_ENTRY));
        List<StreamEntry> entries = read.get(0).getValue();
        assertThat(entries).extracting(StreamEntry::getID).containsExactly(first, second);
        assertThat(entries).extracting(e -> e.getFields().get("data")).containsExactly("one", "two");
        assertThat(jedis.xpending(stream, "group").getTotal()).isEqualTo(2);

        long acknowledged = jedis.xack(stream, "group", first, second);

        assertThat(acknowledged).isEqualTo(2);
        assertThat(jedis.xpending(stream, "group").getTotal()).isZero();
        jedis.del(stream);
    }
}
