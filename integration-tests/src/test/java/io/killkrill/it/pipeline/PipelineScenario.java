package io.killkrill.it.pipeline;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.search.Hit;
import co.elastic.clients.elasticsearch.core.search.ResponseBody;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.failsafe.Failsafe;
import dev.failsafe.RetryPolicy;
import io.killkrill.config.StreamNames;
import io.killkrill.it.support.ElasticsearchExtension;
import io.killkrill.it.support.ElasticsearchService;
import io.killkrill.it.support.PipelineProcesses;
import io.killkrill.it.support.PostgresExtension;
import io.killkrill.it.support.PostgresService;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.it.support.ServiceProcess;
import io.killkrill.model.DeadLetter;
import io.killkrill.model.DeadLetterCodec;
import io.killkrill.model.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.resps.StreamGroupInfo;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A whole KillKrill pipeline for one test class: receivers, log-worker(s) and metrics-worker(s) as separate
 * processes from the reactor's runnable jars, started once per class ({@link #startServices}) on free ports,
 * with stream names, an Elasticsearch index prefix and a PostgreSQL schema no other test class uses. Tests of
 * one class tell their data apart by a {@link #run(String) run marker} (the log events' {@code service}, the
 * metric samples' name prefix).
 *
 * <p>Offers what a scenario needs: a client that sends like a real one (retrying 503, 429 and 409 with backoff),
 * syslog senders, and the reconciliation queries: what Elasticsearch holds for a run, its duplicates, the
 * dead letters, the PostgreSQL sample counts, and whether a consumer group is drained (nothing pending,
 * every entry delivered).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith({RedisExtension.class, ElasticsearchExtension.class, PostgresExtension.class})
public abstract class PipelineScenario {
    private static final AtomicInteger RUNS = new AtomicInteger();

    protected RedisService redis;
    protected ElasticsearchService elasticsearch;
    protected PostgresService postgres;
    protected PipelineProcesses pipeline;
    protected StreamNames streams;
    /** The test's own client of the services' Redis (one Redis, a Sentinel-managed master or a cluster). */
    protected UnifiedJedis jedis;
    /** Servers and proxies the class started; closed after the pipeline, last first. */
    protected final List<AutoCloseable> owned = new ArrayList<>();
    /** 503, 429 and 409 answers the client retried. */
    protected final java.util.concurrent.atomic.AtomicLong retriedAnswers = new java.util.concurrent.atomic.AtomicLong();
    protected ServiceProcess receivers;
    /** Between the services and Elasticsearch when {@link #storesBehindElasticsearchProxy()} made the stores. */
    protected io.killkrill.it.support.FaultProxy elasticsearchProxy;
    protected final List<ServiceProcess> logWorkers = new ArrayList<>();
    protected final List<ServiceProcess> metricsWorkers = new ArrayList<>();
    protected final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    void startPipeline(RedisService redis, ElasticsearchService elasticsearch, PostgresService postgres)
            throws Exception {
        this.redis = redis;
        this.elasticsearch = elasticsearch;
        this.postgres = postgres;
        this.jedis = redis.client();
        String name = getClass().getSimpleName().replace("IT", "").toLowerCase();
        this.streams = StreamNames.prefixed(RedisService.uniquePrefix("e2e-" + name)).withShards(shards());
        PipelineProcesses.Stores stores = stores();
        String schema = this.postgres.createUniqueSchema("e2e_" + name);
        this.pipeline = new PipelineProcesses(stores, streams, ElasticsearchService.uniqueIndex("e2e-" + name),
                schema);
        startServices();
    }

    /**
     * Where this class's services find their stores; a fault scenario points them at its own server or a
     * proxy (and then sets {@link #jedis} / {@link #postgres} to its own, and registers it in {@link #owned}).
     */
    protected PipelineProcesses.Stores stores() throws Exception {
        return PipelineProcesses.Stores.of(redis, elasticsearch, postgres);
    }

    /** For {@link #stores()}: the shared stores, Elasticsearch reached through a new {@link #elasticsearchProxy}. */
    protected PipelineProcesses.Stores storesBehindElasticsearchProxy() throws IOException {
        elasticsearchProxy = new io.killkrill.it.support.FaultProxy(elasticsearch.uri());
        owned.add(elasticsearchProxy);
        return PipelineProcesses.Stores.of(redis, elasticsearch, postgres).withElasticsearch(elasticsearchProxy.uri());
    }

    /** How many shards each stream has ({@code KILLKRILL_STREAM_SHARDS}); 1 unless a class says otherwise. */
    protected int shards() {
        return 1;
    }

    /** Starts this class's services; by default receivers, one log-worker and one metrics-worker. */
    protected void startServices() throws Exception {
        receivers = pipeline.receivers(Map.of());
        logWorkers.add(pipeline.logWorker("lw-1", Map.of()));
        metricsWorkers.add(pipeline.metricsWorker("mw-1", Map.of()));
        PipelineProcesses.startAll(receivers, logWorkers.get(0), metricsWorkers.get(0));
    }

    protected ServiceProcess metricsWorker() {
        return metricsWorkers.get(0);
    }

    @AfterAll
    void stopPipeline() throws Exception {
        if (pipeline != null) {
            pipeline.close();
        }
        try {
            for (StreamNames shard : streams.allShards()) { // one key at a time: on a cluster they are in other slots
                for (String key : List.of(shard.logs(), shard.metrics(), shard.logsDlq(), shard.metricsDlq())) {
                    jedis().del(key);
                }
            }
        } catch (RuntimeException e) {
            // best effort, like the rest: a Redis of the class's own may be down or a replica by now, and what the
            // class owns (its own Redis, Sentinel or PostgreSQL processes) must still be stopped below
            System.err.println("could not delete the streams: " + e);
        }
        try {
            ElasticsearchClient client = elasticsearch.client();
            for (String index : client.indices().get(g -> g.index(pipeline.indexPrefix() + "-*")
                    .allowNoIndices(true)).result().keySet()) {
                client.indices().delete(d -> d.index(index));
            }
            client.indices().deleteIndexTemplate(d -> d.name(pipeline.indexPrefix() + "-killkrill-logs"));
        } catch (IOException | RuntimeException e) {
            // best effort: names are unique per class
        }
        try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + pipeline.schema() + " CASCADE");
        } catch (SQLException e) {
            System.err.println("could not drop schema " + pipeline.schema() + ": " + e); // e.g. own server down
        } finally {
            for (int i = owned.size() - 1; i >= 0; i--) {
                owned.get(i).close();
            }
        }
    }

    /** A marker unique to one test: a valid service name and metric name prefix. */
    protected static String run(String what) {
        return what + "_" + RUNS.incrementAndGet() + "_" + UUID.randomUUID().toString().substring(0, 6);
    }

    protected UnifiedJedis jedis() {
        return jedis;
    }

    // ---------------------------------------------------------------- sending

    /** What the receivers answered for one request, after the client's retries. */
    public record Answer(int status, long accepted, long rejected, JsonNode body) {
    }

    /** Log events as NDJSON lines {@code {"message":"<run>-<i>","service":"<run>",...}}, for i in [from, to). */
    protected static List<String> logLines(String run, int from, int to) {
        List<String> lines = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            lines.add("{\"message\":\"" + run + "-" + i + "\",\"service\":\"" + run + "\",\"level\":\"info\","
                    + "\"attributes\":{\"seq\":" + i + "}}");
        }
        return lines;
    }

    /** Metric samples named {@code <run>} over 10 series (label {@code shard}), value 1, timestamp now. */
    protected static List<String> metricLines(String run, int from, int to) {
        List<String> lines = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            lines.add("{\"name\":\"" + run + "\",\"value\":1,\"type\":\"counter\",\"labels\":{\"shard\":\"s"
                    + (i % 10) + "\"}}");
        }
        return lines;
    }

    protected Answer postLogs(List<String> lines, String... headers) {
        return post("/api/v1/logs", "application/x-ndjson", String.join("\n", lines), headers);
    }

    protected Answer postMetrics(List<String> lines, String... headers) {
        return post("/api/v1/metrics", "application/x-ndjson", String.join("\n", lines), headers);
    }

    /**
     * POSTs like a real client, with {@code headers} (name, value, ...): a 503 (Redis unreachable), a 429 (backlog),
     * a 409 (its Idempotency-Key held by an earlier attempt still in doubt) or a refused or cut connection (receivers
     * restarting, an answer abandoned) is retried with exponential backoff and jitter, for up to two minutes, as their
     * Retry-After asks; any other answer is returned. Only 202 means the accepted items are stored.
     */
    protected Answer post(String path, String contentType, String body, String... headers) {
        RetryPolicy<HttpResponse<String>> retry = RetryPolicy.<HttpResponse<String>>builder()
                .handle(IOException.class)
                .handleResultIf(response -> response.statusCode() == 503 || response.statusCode() == 429
                        || response.statusCode() == 409)
                .withBackoff(Duration.ofMillis(50), Duration.ofSeconds(1)).withJitter(0.25)
                .withMaxRetries(-1).withMaxDuration(Duration.ofMinutes(2))
                .onRetry(event -> {
                    if (event.getLastResult() != null) {
                        retriedAnswers.incrementAndGet();
                    }
                })
                .build();
        HttpRequest.Builder builder = HttpRequest.newBuilder(pipeline.receiversUri(path))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            builder.headers(headers);
        }
        HttpRequest request = builder.build();
        HttpResponse<String> response = Failsafe.with(retry)
                .get(() -> http.send(request, HttpResponse.BodyHandlers.ofString()));
        JsonNode json = json(response.body());
        return new Answer(response.statusCode(), json.path("accepted").asLong(), json.path("rejected").asLong(), json);
    }

    /** Keyed requests under way from several clients ({@link #sendKeyedLogs}, {@link #sendKeyedSamples}). */
    protected record KeyedRequests(AtomicInteger next, Set<Integer> accepted, CompletableFuture<Void> done) {
        /** The index of the next request a client takes. */
        public int nextRequest() {
            return next.get();
        }
    }

    /**
     * Sends {@code requests} log requests of {@code perRequest} events ({@link #logLines}: request {@code r} holds
     * events {@code r * perRequest} ..) from {@code clients} clients on {@code pool}, each with an Idempotency-Key of
     * its own ({@code <run>-logs-<r>}) and retried as {@link #post} does; asserts each is answered 202 with all its
     * events accepted, and calls {@code answered} with how many requests are answered so far.
     */
    protected KeyedRequests sendKeyedLogs(String run, int requests, int perRequest, int clients, ExecutorService pool,
                                          IntConsumer answered) {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger count = new AtomicInteger();
        Set<Integer> accepted = ConcurrentHashMap.newKeySet();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            all.add(CompletableFuture.runAsync(() -> {
                int request;
                while ((request = next.getAndIncrement()) < requests) {
                    Answer answer = postLogs(logLines(run, request * perRequest, (request + 1) * perRequest),
                            "Idempotency-Key", run + "-logs-" + request);
                    assertThat(answer.status()).as("log request %d: %s", request, answer.body()).isEqualTo(202);
                    assertThat(answer.accepted()).isEqualTo(perRequest);
                    accepted.add(request);
                    answered.accept(count.incrementAndGet());
                }
            }, pool));
        }
        return new KeyedRequests(next, accepted, CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)));
    }

    /**
     * Sends {@code requests} metric requests of {@code perRequest} samples, each a series of its own
     * ({@link #seriesSamples}), from one client on {@code pool}, keyed ({@code <run>-metrics-<r>}) and retried;
     * asserts each is answered 202.
     */
    protected KeyedRequests sendKeyedSamples(String run, int requests, int perRequest, ExecutorService pool) {
        AtomicInteger next = new AtomicInteger();
        Set<Integer> accepted = ConcurrentHashMap.newKeySet();
        return new KeyedRequests(next, accepted, CompletableFuture.runAsync(() -> {
            int request;
            while ((request = next.getAndIncrement()) < requests) {
                Answer answer = postMetrics(seriesSamples(run, request, perRequest), "Idempotency-Key",
                        run + "-metrics-" + request);
                assertThat(answer.status()).as("metric request %d: %s", request, answer.body()).isEqualTo(202);
                accepted.add(request);
            }
        }, pool));
    }

    /** One POST without retry: the receivers' own answer, or -1 when the connection failed. */
    protected int postOnce(String path, String contentType, String body) {
        try {
            return http.send(HttpRequest.newBuilder(pipeline.receiversUri(path)).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    protected HttpResponse<String> get(URI uri) {
        try {
            return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Writes LF-framed syslog lines over one TCP connection and closes it. */
    protected void syslogTcp(List<String> lines) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", pipeline.syslogPort());
             OutputStream out = socket.getOutputStream()) {
            StringBuilder frames = new StringBuilder();
            lines.forEach(line -> frames.append(line).append('\n'));
            out.write(frames.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    /** One datagram per line. */
    protected void syslogUdp(List<String> lines) throws IOException {
        try (DatagramSocket socket = new DatagramSocket()) {
            for (String line : lines) {
                byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
                socket.send(new DatagramPacket(bytes, bytes.length, InetAddress.getLoopbackAddress(),
                        pipeline.syslogPort()));
            }
        }
    }

    /** An RFC 5424 line whose APP-NAME (the event's service) is {@code run} and whose MSG is {@code message}. */
    protected static String rfc5424(String run, String message) {
        return "<134>1 2026-01-15T10:00:00.000Z web-1 " + run + " 4242 ID7 [origin ip=\"10.0.0.9\"] " + message;
    }

    // ---------------------------------------------------------------- reconciliation

    protected String indexPattern() {
        return pipeline.indexPrefix() + "-*";
    }

    /** Documents of service {@code run} in this class's indices; -1 while a new index has no primary yet. */
    protected long indexed(String run) {
        try {
            ElasticsearchClient client = elasticsearch.client();
            client.indices().refresh(r -> r.index(indexPattern()).allowNoIndices(true));
            return client.count(c -> c.index(indexPattern()).allowNoIndices(true).query(service(run))).count();
        } catch (ElasticsearchException e) {
            if (e.status() == 503) {
                return -1;
            }
            throw e;
        } catch (IOException e) {
            if (String.valueOf(e.getMessage()).contains("503")) {
                return -1;
            }
            throw new UncheckedIOException(e);
        }
    }

    private static Query service(String run) {
        return Query.of(q -> q.term(t -> t.field("service").value(run)));
    }

    /**
     * Messages of service {@code run} indexed more than once (under different event IDs: a duplicate the
     * event-ID {@code _id} cannot absorb). Exact: every document's {@code message} is read back from
     * {@code _source} (a scroll in index order) and counted here; the template indexes no keyword copy of
     * {@code message} to aggregate on (docs/log-worker.md).
     */
    protected List<String> duplicateMessages(String run) throws IOException {
        return duplicateMessages(run, 20);
    }

    /** As {@link #duplicateMessages(String)}, up to {@code limit} of them, in message order. */
    protected List<String> duplicateMessages(String run, int limit) throws IOException {
        ElasticsearchClient client = elasticsearch.client();
        Map<String, Integer> copies = new TreeMap<>();
        ResponseBody<ObjectNode> page = client.search(s -> s.index(indexPattern()).size(5000).query(service(run))
                .source(src -> src.filter(f -> f.includes("message"))).sort(o -> o.doc(d -> d))
                .scroll(t -> t.time("1m")), ObjectNode.class);
        String scrollId = page.scrollId();
        try {
            while (!page.hits().hits().isEmpty()) {
                page.hits().hits().forEach(hit -> copies.merge(hit.source().get("message").asText(), 1, Integer::sum));
                String id = scrollId;
                page = client.scroll(r -> r.scrollId(id).scroll(t -> t.time("1m")), ObjectNode.class);
                scrollId = page.scrollId();
            }
        } finally {
            String id = scrollId;
            client.clearScroll(c -> c.scrollId(id));
        }
        return copies.entrySet().stream().filter(e -> e.getValue() > 1).limit(limit)
                .map(e -> e.getKey() + " x" + e.getValue()).toList();
    }

    /** Every document of service {@code run} (at most 10,000). */
    protected List<Hit<ObjectNode>> documents(String run) throws IOException {
        elasticsearch.client().indices().refresh(r -> r.index(indexPattern()).allowNoIndices(true));
        return elasticsearch.client().search(s -> s.index(indexPattern()).size(10_000).query(service(run)),
                ObjectNode.class).hits().hits();
    }

    /** The set of messages indexed for {@code run}, each message once (at most 10,000). */
    protected Set<String> indexedMessages(String run) throws IOException {
        Set<String> messages = new HashSet<>();
        documents(run).forEach(hit -> messages.add(hit.source().get("message").asText()));
        return messages;
    }

    protected List<DeadLetter> deadLetters(String dlq) {
        List<DeadLetter> letters = new ArrayList<>();
        jedis().xrange(dlq, "-", "+").forEach(entry -> letters.add(DeadLetterCodec.fromEntry(entry.getFields())));
        return letters;
    }

    /** Dead letters of {@code dlq} whose original entry mentions {@code run}. */
    protected List<DeadLetter> deadLettersOf(String dlq, String run) {
        return deadLetters(dlq).stream().filter(l -> l.original().toString().contains(run)).toList();
    }

    /**
     * {@code count} gauge samples of value 1 named {@code run} in a series of their own (label {@code req}), the
     * body of request {@code request}: a request lost or stored twice shows whole in {@link #storedPerSeries}.
     */
    protected static List<String> seriesSamples(String run, int request, int count) {
        List<String> lines = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            lines.add("{\"name\":\"" + run + "\",\"value\":1,\"type\":\"gauge\",\"labels\":{\"req\":\"r" + request
                    + "\"}}");
        }
        return lines;
    }

    /** Per label set of metric {@code name}: samples stored and their value sum (60 s windows, all windows). */
    protected Map<String, long[]> storedPerSeries(String name) throws SQLException {
        Map<String, long[]> series = new TreeMap<>();
        try (Connection c = postgres.connect(); PreparedStatement s = c.prepareStatement(
                "SELECT labels, sum(sample_count), sum(value_sum) FROM " + pipeline.schema()
                        + ".window_aggregate WHERE metric_name = ? AND window_seconds = 60 GROUP BY labels")) {
            s.setString(1, name);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    series.put(r.getString(1), new long[] {r.getLong(2), Math.round(r.getDouble(3))});
                }
            }
        }
        return series;
    }

    /** Samples stored for metric {@code name} in the 60 s windows: the sum of the rows' counts. */
    protected long storedSamples(String name) throws SQLException {
        try (Connection c = postgres.connect(); PreparedStatement s = c.prepareStatement(
                "SELECT coalesce(sum(sample_count), 0), coalesce(sum(value_sum), 0) FROM " + pipeline.schema()
                        + ".window_aggregate WHERE metric_name = ? AND window_seconds = 60")) {
            s.setString(1, name);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                return 0; // not migrated yet
            }
            throw e;
        }
    }

    /** Sum of the stored sample values of metric {@code name} (60 s windows). */
    protected double storedSum(String name) throws SQLException {
        try (Connection c = postgres.connect(); PreparedStatement s = c.prepareStatement(
                "SELECT coalesce(sum(value_sum), 0) FROM " + pipeline.schema()
                        + ".window_aggregate WHERE metric_name = ? AND window_seconds = 60")) {
            s.setString(1, name);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getDouble(1);
            }
        }
    }

    /**
     * Whether {@code group} has consumed {@code stream} completely: XPENDING is 0 (nothing delivered and
     * unacknowledged) and the group's last-delivered ID is the stream's last entry (nothing undelivered; the
     * lag, when Redis can tell it, is 0). Also true for a stream or group that does not exist yet.
     */
    protected boolean drained(String stream, String group) {
        UnifiedJedis jedis = jedis();
        if (!jedis.exists(stream)) {
            return true;
        }
        String last = jedis.xinfoStream(stream).getLastGeneratedId().toString();
        for (StreamGroupInfo info : jedis.xinfoGroups(stream)) {
            if (info.getName().equals(group)) {
                Object lag = info.getGroupInfo().get("lag");
                return jedis.xpending(stream, group).getTotal() == 0
                        && info.getLastDeliveredId().toString().equals(last)
                        && (lag == null || ((Number) lag).longValue() == 0);
            }
        }
        return false;
    }

    /** Whether the log group drained every shard of the logs stream. */
    protected boolean logsDrained() {
        return streams.allShards().stream().allMatch(shard -> drained(shard.logs(), shard.logGroup()));
    }

    /** Whether the metrics group drained every shard of the metrics stream. */
    protected boolean metricsDrained() {
        return streams.allShards().stream().allMatch(shard -> drained(shard.metrics(), shard.metricsGroup()));
    }

    /** Asserts both groups drained, with the numbers in the failure message. */
    protected void assertDrained() {
        assertThat(logsDrained()).as("log group drained: XPENDING %s, groups %s", pendingOf(streams.logs(),
                streams.logGroup()), groups(streams.logs())).isTrue();
        assertThat(metricsDrained()).as("metrics group drained: XPENDING %s, groups %s",
                pendingOf(streams.metrics(), streams.metricsGroup()), groups(streams.metrics())).isTrue();
    }

    private long pendingOf(String stream, String group) {
        return jedis().exists(stream) ? jedis().xpending(stream, group).getTotal() : 0;
    }

    private String groups(String stream) {
        if (!jedis().exists(stream)) {
            return "(no stream)";
        }
        return jedis().xinfoGroups(stream).stream().map(g -> g.getName() + " last-delivered="
                + g.getLastDeliveredId() + " lag=" + g.getGroupInfo().get("lag")).toList()
                + " last-generated=" + jedis().xinfoStream(stream).getLastGeneratedId();
    }

    /** Waits until {@code run} has {@code indexed} documents and {@code deadLettered} log dead letters, all acknowledged. */
    protected void awaitLogs(String run, long indexed, long deadLettered, Duration atMost) {
        await(run + ": " + indexed + " indexed + " + deadLettered + " dead-lettered, logs group drained")
                .atMost(atMost).pollInterval(Duration.ofMillis(500))
                .until(() -> indexed(run) >= indexed && deadLettersOf(streams.logsDlq(), run).size() >= deadLettered
                        && logsDrained());
    }

    protected void awaitSamples(String name, long stored, Duration atMost) {
        await(name + ": " + stored + " samples stored, metrics group drained").atMost(atMost)
                .pollInterval(Duration.ofMillis(500))
                .until(() -> storedSamples(name) >= stored && metricsDrained());
    }

    protected static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text == null || text.isEmpty() ? "{}" : text);
        } catch (IOException e) {
            return Json.MAPPER.createObjectNode().put("unparsed", text);
        }
    }

    /** Sum of a counter in a Prometheus text page, over all its label sets. */
    protected static double counter(String page, String name) {
        return page.lines().filter(l -> l.startsWith(name.contains("{") ? name : name + "{")
                        || l.startsWith(name + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /**
     * Starts again every one of {@code workers} that died, as systemd or compose would; always true, so that a
     * wait can do it on every poll ({@code until(() -> restartDead(workers) && condition)}).
     */
    protected static boolean restartDead(List<ServiceProcess> workers) {
        for (ServiceProcess worker : workers) {
            if (!worker.alive()) {
                worker.start();
            }
        }
        return true;
    }

    protected static List<ServiceProcess> list(ServiceProcess... processes) {
        return List.of(processes);
    }

    /**
     * The indices events received from now until the end of the test go to: the log-worker names them after
     * the receipt day (UTC), so today's and, should the test cross midnight, tomorrow's.
     */
    protected List<String> receiptDayIndices() {
        java.time.format.DateTimeFormatter day = java.time.format.DateTimeFormatter.ofPattern("yyyy.MM.dd")
                .withZone(java.time.ZoneOffset.UTC);
        java.time.Instant now = java.time.Instant.now();
        return List.of(pipeline.indexPrefix() + "-" + day.format(now),
                pipeline.indexPrefix() + "-" + day.format(now.plus(Duration.ofDays(1))));
    }
}
