package io.killkrill.it.receivers;

import com.fasterxml.jackson.databind.JsonNode;
import io.killkrill.config.StreamNames;
import io.killkrill.it.support.RedisService;
import io.killkrill.model.Json;
import io.killkrill.model.StreamEntry;
import io.killkrill.receivers.Receivers;
import io.killkrill.receivers.ReceiversConfig;
import redis.clients.jedis.JedisPooled;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import redis.clients.jedis.StreamEntryID;
import java.util.function.UnaryOperator;

/** The receivers service started in-process on ephemeral ports, writing to streams no other test uses. */
final class ReceiversUnderTest implements AutoCloseable {
    final Receivers receivers;
    final StreamNames streams;
    final JedisPooled redis;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ReceiversUnderTest(Receivers receivers, StreamNames streams, JedisPooled redis) {
        this.receivers = receivers;
        this.streams = streams;
        this.redis = redis;
    }

    static ReceiversUnderTest start(RedisService redis, String testName, UnaryOperator<ReceiversConfig> tweak)
            throws Exception {
        return start(redis.uri(), redis.client(), testName, tweak);
    }

    static ReceiversUnderTest start(URI redisUri, JedisPooled client, String testName,
                                    UnaryOperator<ReceiversConfig> tweak) throws Exception {
        StreamNames streams = StreamNames.prefixed(RedisService.uniquePrefix(testName));
        ReceiversConfig config = tweak.apply(ReceiversConfig.forTest(redisUri, streams));
        return new ReceiversUnderTest(Receivers.start(config), streams, client);
    }

    /**
     * Receivers with API key {@code key} whose backlog limit is {@code limit} entries, with the consumer groups on
     * both streams that make their entries count as backlog.
     */
    static ReceiversUnderTest backlogLimited(RedisService redis, String testName, String key, long limit)
            throws Exception {
        ReceiversUnderTest service = start(redis, testName,
                c -> c.withApiKeys(List.of(key)).withLimits(1024 * 1024, 100, 64 * 1024, limit));
        service.redis.xgroupCreate(service.streams.logs(), service.streams.logGroup(), new StreamEntryID(), true);
        service.redis.xgroupCreate(service.streams.metrics(), service.streams.metricsGroup(), new StreamEntryID(),
                true);
        return service;
    }

    /** Waits until the receivers measure {@code entries} of backlog on {@code stream}. */
    void awaitBacklog(String stream, long entries) {
        Awaitility.await("the backlog of " + entries + " on " + stream + " is measured").atMost(Duration.ofSeconds(10))
                .until(() -> meter("killkrill_receivers_backlog_entries{", "stream=\"" + stream + "\"") == entries);
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + receivers.ports().http() + path);
    }

    HttpResponse<String> post(String path, String contentType, byte[] body, String... headers) {
        return post(path, contentType, body, HttpResponse.BodyHandlers.ofString(), headers);
    }

    /** As {@link #post(String, String, byte[], String...)}, the answer read by {@code handler} (protobuf: bytes). */
    <T> HttpResponse<T> post(String path, String contentType, byte[] body, HttpResponse.BodyHandler<T> handler,
                             String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (headers.length > 0) {
            request.headers(headers);
        }
        return send(request.build(), handler);
    }

    HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).GET().build());
    }

    HttpResponse<String> send(HttpRequest request) {
        return send(request, HttpResponse.BodyHandlers.ofString());
    }

    <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(request, handler);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Every entry of a stream, oldest first. */
    List<redis.clients.jedis.resps.StreamEntry> entries(String stream) {
        return redis.xrange(stream, "-", "+");
    }

    /** The event JSON of every entry of a stream. */
    List<JsonNode> events(String stream) {
        return entries(stream).stream().map(e -> json(e.getFields().get(StreamEntry.DATA))).toList();
    }

    /** The sum of the meter lines of {@code /metrics} that start with {@code prefix} and contain every label. */
    double meter(String prefix, String... labels) {
        return get("/metrics").body().lines().filter(l -> l.startsWith(prefix) && List.of(labels).stream()
                        .allMatch(l::contains))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    long length(String stream) {
        return redis.xlen(stream);
    }

    static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, String> fields(redis.clients.jedis.resps.StreamEntry entry) {
        return entry.getFields();
    }

    @Override
    public void close() {
        receivers.close();
        redis.del(streams.logs(), streams.metrics(), streams.logsDlq(), streams.metricsDlq());
    }
}
