package io.killkrill.it.logworker;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.killkrill.config.StreamNames;
import io.killkrill.logworker.LogWorkerConfig;
import io.killkrill.model.DeadLetter;
import io.killkrill.model.DeadLetterCodec;
import io.killkrill.model.EventIds;
import io.killkrill.model.IngestContext;
import io.killkrill.model.Json;
import io.killkrill.model.LogEvent;
import io.killkrill.model.LogEventCodec;
import io.killkrill.model.Source;
import io.killkrill.model.Validated;
import io.killkrill.it.support.ElasticsearchService;
import io.killkrill.it.support.RedisService;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One test's isolated pipeline: prefixed stream names, a unique index prefix, and helpers to write entries the
 * way the receivers write them (LogEventCodec.fromInput then toEntry) and to read back what Elasticsearch and
 * Redis hold.
 */
final class LogStreamFixture {
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy.MM.dd").withZone(ZoneOffset.UTC);
    final RedisService redis;
    final ElasticsearchService elasticsearch;
    final StreamNames streams;
    final String indexPrefix;

    LogStreamFixture(RedisService redis, ElasticsearchService elasticsearch, String testName) {
        this.redis = redis;
        this.elasticsearch = elasticsearch;
        this.streams = StreamNames.prefixed(RedisService.uniquePrefix(testName));
        this.indexPrefix = ElasticsearchService.uniqueIndex(testName);
    }

    LogWorkerConfig config() {
        return LogWorkerConfig.defaults(redis.uri(), streams, elasticsearch.uri(), indexPrefix)
                .withEnvironment("it")
                .withBatch(200, Duration.ofMillis(200))
                .withConsumer("it-" + EventIds.next().substring(24), 1)
                .withTrimInterval(Duration.ofMillis(500))
                .withRetries(Duration.ofSeconds(5), Duration.ofHours(1), Duration.ofMillis(50), Duration.ofMillis(500))
                .withReplicas(0);
    }

    JedisPooled jedis() {
        return redis.client();
    }

    /** A valid event as a receiver builds it from client JSON. */
    static LogEvent event(String json, Source source) {
        IngestContext context = new IngestContext(EventIds.next(), Instant.now(), source, java.util.Optional.empty());
        try {
            Validated<LogEvent> validated = LogEventCodec.fromInput(Json.MAPPER.readTree(json), context);
            return ((Validated.Valid<LogEvent>) validated).value();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static LogEvent event(int n) {
        return event("{\"message\":\"event " + n + "\",\"service\":\"checkout\",\"level\":\"info\","
                + "\"timestamp\":\"2026-03-04T10:15:30.123Z\",\"attributes\":{\"n\":" + n + "}}",
                Source.http("10.1.2.3:40000"));
    }

    StreamEntryID write(Map<String, String> fields) {
        return jedis().xadd(streams.logs(), StreamEntryID.NEW_ENTRY, fields);
    }

    List<LogEvent> writeEvents(int count) {
        List<LogEvent> events = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            events.add(event(i));
        }
        try (Pipeline pipeline = jedis().pipelined()) {
            for (LogEvent event : events) {
                pipeline.xadd(streams.logs(), StreamEntryID.NEW_ENTRY, LogEventCodec.toEntry(event));
            }
            pipeline.sync();
        }
        return events;
    }

    /** The index the worker writes an event received at {@code receivedAt} to: the receipt day, UTC. */
    String indexOf(Instant receivedAt) {
        return indexPrefix + "-" + DAY.format(receivedAt);
    }

    /** The names of the indices the worker created (the test's prefix). */
    Set<String> indices() {
        try {
            return elasticsearch.client().indices().get(g -> g.index(indexPattern()).allowNoIndices(true))
                    .result().keySet();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String indexPattern() {
        return indexPrefix + "-*";
    }

    /** The document count, or -1 while a just-created index has no primary shard yet (503). */
    long documentCount() {
        try {
            ElasticsearchClient client = elasticsearch.client();
            client.indices().refresh(r -> r.index(indexPattern()).allowNoIndices(true));
            return client.count(c -> c.index(indexPattern()).allowNoIndices(true)).count();
        } catch (ElasticsearchException e) {
            if (e.status() == 503) {
                return -1;
            }
            throw e;
        } catch (IOException e) {
            if (String.valueOf(e.getMessage()).contains("503 Service Unavailable")) {
                return -1;
            }
            throw new UncheckedIOException(e);
        }
    }

    /** Every document, by _id (the search would show two hits for one _id only across two indices). */
    List<Hit<ObjectNode>> documents() {
        try {
            ElasticsearchClient client = elasticsearch.client();
            client.indices().refresh(r -> r.index(indexPattern()).allowNoIndices(true));
            SearchResponse<ObjectNode> response = client.search(s -> s.index(indexPattern()).size(10_000)
                    .allowNoIndices(true), ObjectNode.class);
            return response.hits().hits();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Set<String> documentIds() {
        Set<String> ids = new HashSet<>();
        documents().forEach(hit -> ids.add(hit.id()));
        return ids;
    }

    long pending() {
        return jedis().xpending(streams.logs(), streams.logGroup()).getTotal();
    }

    List<DeadLetter> deadLetters() {
        List<DeadLetter> letters = new ArrayList<>();
        for (StreamEntry entry : jedis().xrange(streams.logsDlq(), "-", "+")) {
            letters.add(DeadLetterCodec.fromEntry(entry.getFields()));
        }
        return letters;
    }

    long deadLetterCount() {
        return jedis().xlen(streams.logsDlq());
    }

    void cleanUp() {
        jedis().del(streams.logs(), streams.logsDlq());
        try {
            for (String index : elasticsearch.client().indices()
                    .get(g -> g.index(indexPattern()).allowNoIndices(true)).result().keySet()) {
                elasticsearch.client().indices().delete(d -> d.index(index));
            }
            elasticsearch.client().indices().deleteIndexTemplate(d -> d.name(indexPrefix + "-killkrill-logs"));
        } catch (IOException | RuntimeException e) {
            // best effort: names are unique per test
        }
    }
}
