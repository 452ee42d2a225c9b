package io.killkrill.it.logworker;

import co.elastic.clients.elasticsearch.core.search.Hit;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.killkrill.it.support.ElasticsearchExtension;
import io.killkrill.it.support.ElasticsearchService;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.logworker.LogWorker;
import io.killkrill.model.LogEvent;
import io.killkrill.model.LogEventCodec;
import io.killkrill.model.Source;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.StreamEntryID;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Regression (issue 12, item 4): the daily index came from each event's own date, so events dated on 1,000
 * different days made 1,000 indices, until the node's shard limit made Elasticsearch refuse every event of the
 * next real day (index_rejected). Indices now follow the receipt day.
 */
@ExtendWith({RedisExtension.class, ElasticsearchExtension.class})
class IndexBoundIT {
    private LogStreamFixture fixture;

    @BeforeEach
    void setUp(RedisService redis, ElasticsearchService elasticsearch) {
        fixture = new LogStreamFixture(redis, elasticsearch, "lw-bound");
    }

    @AfterEach
    void tearDown() {
        fixture.cleanUp();
    }

    /**
     * 1,000 events dated on 1,000 distinct days (500 from 1995 on, 500 from 2040 on) and one dated now.
     * Proof: the worker created only receipt-day indices (1, or 2 had the run crossed midnight UTC: each is the
     * receipt day of some sent event); sent = indexed + dead-lettered with 1,001 = 1,001 + 0, the indexed _ids
     * equal the sent event IDs (a duplicate would show as a second hit of one _id), each document's
     * {@code @timestamp} is its event's own date, and the event of today is among them.
     */
    @Test
    void eventsDatedOnAThousandDaysGoToTheReceiptDaysIndexOnly() {
        List<LogEvent> sent = new ArrayList<>();
        Set<String> receiptDays = new HashSet<>();
        Set<LocalDate> eventDays = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            LocalDate day = i < 500 ? LocalDate.of(1995, 1, 1).plusDays(i * 7L)
                    : LocalDate.of(2040, 1, 1).plusDays((i - 500) * 11L);
            eventDays.add(day);
            sent.add(LogStreamFixture.event("{\"message\":\"dated " + day + "\",\"service\":\"bound\","
                    + "\"timestamp\":\"" + day + "T12:00:00Z\"}", Source.http("10.0.0.1:1")));
        }
        assertThat(eventDays).as("distinct event days").hasSize(1000);
        LogEvent today = LogStreamFixture.event("{\"message\":\"today\",\"service\":\"bound\",\"timestamp\":\""
                + Instant.now() + "\"}", Source.http("10.0.0.1:1"));
        sent.add(today);
        sent.forEach(event -> receiptDays.add(fixture.indexOf(event.receivedAt())));
        try (Pipeline pipeline = fixture.jedis().pipelined()) {
            sent.forEach(event -> pipeline.xadd(fixture.streams.logs(), StreamEntryID.NEW_ENTRY,
                    LogEventCodec.toEntry(event)));
            pipeline.sync();
        }

        try (LogWorker worker = new LogWorker(fixture.config()).start()) {
            await("1001 documents indexed and nothing pending").atMost(Duration.ofSeconds(60))
                    .until(() -> fixture.documentCount() == 1001 && fixture.pending() == 0);
        }

        assertThat(fixture.indices()).as("indices created").hasSizeBetween(1, 2).isSubsetOf(receiptDays);
        assertThat(fixture.deadLetterCount()).isZero();
        List<Hit<ObjectNode>> hits = fixture.documents();
        assertThat(hits).hasSize(1001);
        assertThat(hits.stream().map(Hit::id).collect(Collectors.toSet()))
                .isEqualTo(sent.stream().map(LogEvent::eventId).collect(Collectors.toSet()));
        Map<String, String> timestampById = hits.stream()
                .collect(Collectors.toMap(Hit::id, h -> h.source().get("@timestamp").asText()));
        for (LogEvent event : sent) {
            assertThat(Instant.parse(timestampById.get(event.eventId())))
                    .as("@timestamp of %s", event.eventId()).isEqualTo(event.timestamp().toInstant());
        }
        assertThat(timestampById).containsKey(today.eventId());
        assertThat(LocalDate.ofInstant(Instant.parse(timestampById.get(today.eventId())), ZoneOffset.UTC))
                .isAfter(LocalDate.of(2025, 1, 1));
    }
}
