package io.killkrill.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.killkrill.logworker.Enricher;
import io.killkrill.logworker.elasticsearch.IndexTemplateInstaller;
import io.killkrill.model.EventIds;
import io.killkrill.model.IngestContext;
import io.killkrill.model.Json;
import io.killkrill.model.Level;
import io.killkrill.model.LogEvent;
import io.killkrill.model.LogEventCodec;
import io.killkrill.model.Source;
import io.killkrill.model.SyslogMetadata;
import io.killkrill.model.Validated;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The {@code es-cost} phase (issue 18 items 2 and 3): what Elasticsearch spends on the log-worker's documents,
 * by mapping and by the shape of the bulk requests, with nothing else running.
 *
 * <p>Every variant indexes the same N documents (the syslog flood's messages as the log-worker writes them:
 * {@link LogEventCodec#fromInput} with the receivers' syslog metadata, then {@link Enricher#document}) into a
 * fresh one-shard, no-replica index of its own, and records Elasticsearch's CPU (utime + stime from /proc) from
 * the first request until all N are searchable, per 1,000 documents; the shard's {@code index_time_in_millis}
 * per 1,000; and the index's {@code store.size_in_bytes} per document after a {@code _forcemerge} to one segment.
 * The variants run round-robin, {@code rounds} times, after one unmeasured warm-up variant; the report gives
 * each round's figures and their median.
 *
 * <p>Mapping variants start from {@link #ALL_INDEXED} (the template before issue 18: every field indexed, and
 * {@code message.keyword}) and take one field out of the index at a time ({@code index: false, doc_values: false},
 * the value stays in {@code _source}); {@code shipped} is the log-worker's template of today. Request variants use
 * the shipped mapping and change one thing against the log-worker's defaults: documents per bulk, concurrent
 * bulks, auto-generated IDs instead of the event ID, or the benchmark's own {@code _refresh} + {@code _count} every
 * 250 ms during the flood (what the throughput phases do while they wait).
 */
final class EsCost {
    /** The template's mappings before issue 18: every field of the document indexed. */
    static final String ALL_INDEXED = """
            {
              "dynamic": false,
              "properties": {
                "@timestamp": {"type": "date"},
                "message": {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 8191}}},
                "service": {"type": "keyword"},
                "level": {"type": "keyword"},
                "host": {"type": "keyword"},
                "trace_id": {"type": "keyword"},
                "span_id": {"type": "keyword"},
                "event_id": {"type": "keyword"},
                "attributes": {"type": "flattened", "ignore_above": 8191},
                "syslog": {"properties": {
                  "format": {"type": "keyword"},
                  "facility": {"type": "integer"},
                  "severity": {"type": "integer"},
                  "app_name": {"type": "keyword"},
                  "proc_id": {"type": "keyword"},
                  "msg_id": {"type": "keyword"}
                }},
                "source": {"properties": {
                  "type": {"type": "keyword"},
                  "peer": {"type": "keyword"}
                }},
                "received_at": {"type": "date"},
                "processed_at": {"type": "date"},
                "ingest_lag_ms": {"type": "long"},
                "environment": {"type": "keyword"},
                "version": {"type": "keyword"}
              }
            }
            """;

    /** The fields of the syslog document that carry a value, each taken out of the index in a variant of its own. */
    private static final List<String> FIELDS = List.of("@timestamp", "message", "message.keyword", "service", "level",
            "host", "event_id", "received_at", "processed_at", "ingest_lag_ms", "environment", "version",
            "source.type", "source.peer", "syslog.format", "syslog.facility", "syslog.severity", "syslog.app_name",
            "syslog.proc_id", "syslog.msg_id");

    /** A document of the flood and its event ID (its {@code _id} when the variant sends explicit IDs). */
    record Document(String eventId, byte[] json) {
    }

    /** One way of indexing the documents. */
    record Variant(String name, String mappings, int bulkDocs, int connections, boolean explicitIds,
                   boolean pollRefresh) {
    }

    private final Elasticsearch es;
    private final long esPid;
    private final String prefix;
    private final int documents;
    private final int rounds;
    private final Consumer<String> progress;

    EsCost(Elasticsearch es, long esPid, String prefix, int documents, int rounds, Consumer<String> progress) {
        this.es = es;
        this.esPid = esPid;
        this.prefix = prefix;
        this.documents = documents;
        this.rounds = rounds;
        this.progress = progress;
    }

    /** The log-worker's defaults: bulks of 1,000 documents, 2 loops, the event ID as {@code _id}. */
    static List<Variant> variants() throws Exception {
        List<Variant> variants = new ArrayList<>();
        String shipped = IndexTemplateInstaller.MAPPINGS;
        variants.add(new Variant("all-indexed", ALL_INDEXED, 1000, 2, true, false));
        for (String field : FIELDS) {
            variants.add(new Variant("all-indexed minus " + field, withoutIndex(ALL_INDEXED, field), 1000, 2, true,
                    false));
        }
        variants.add(new Variant("shipped", shipped, 1000, 2, true, false));
        for (int bulk : new int[]{250, 500, 2000, 5000}) {
            variants.add(new Variant("shipped, bulk " + bulk, shipped, bulk, 2, true, false));
        }
        for (int connections : new int[]{1, 4}) {
            variants.add(new Variant("shipped, " + connections + " concurrent bulks", shipped, 1000, connections,
                    true, false));
        }
        variants.add(new Variant("shipped, auto-generated _id", shipped, 1000, 2, false, false));
        variants.add(new Variant("shipped, _refresh + _count every 250 ms", shipped, 1000, 2, true, true));
        variants.add(new Variant("all-indexed, _refresh + _count every 250 ms", ALL_INDEXED, 1000, 2, true, true));
        return variants;
    }

    /** {@code mappings} with {@code field} (dotted path) not indexed and without doc values, or a sub-field dropped. */
    static String withoutIndex(String mappings, String field) throws Exception {
        ObjectNode root = (ObjectNode) Json.MAPPER.readTree(mappings);
        String[] path = field.split("\\.");
        ObjectNode properties = (ObjectNode) root.get("properties");
        if (field.equals("message.keyword")) {
            ((ObjectNode) properties.get("message")).remove("fields");
            return Json.MAPPER.writeValueAsString(root);
        }
        for (int i = 0; i < path.length - 1; i++) {
            properties = (ObjectNode) properties.get(path[i]).get("properties");
        }
        ObjectNode mapping = (ObjectNode) properties.get(path[path.length - 1]);
        mapping.remove("fields");
        mapping.put("index", false);
        if (!mapping.get("type").asText().equals("text")) {
            mapping.put("doc_values", false);
        }
        return Json.MAPPER.writeValueAsString(root);
    }

    /** Runs every variant {@code rounds} times and writes the figures into {@code section}. */
    void run(ObjectNode section, Report report) throws Exception {
        List<Variant> variants = variants();
        List<Document> documents = documents(this.documents);
        Map<String, List<ObjectNode>> results = new LinkedHashMap<>();
        progress.accept("es-cost: warm-up");
        measure(variants.get(0), documents, "warm-up");
        for (int round = 1; round <= rounds; round++) {
            for (Variant variant : variants) {
                progress.accept("es-cost: round " + round + " of " + rounds + ", " + variant.name());
                results.computeIfAbsent(variant.name(), k -> new ArrayList<>())
                        .add(measure(variant, documents, Integer.toString(round)));
            }
        }
        section.put("documents", this.documents).put("rounds", rounds);
        ArrayNode out = section.putArray("variants");
        for (Variant variant : variants) {
            List<ObjectNode> runs = results.get(variant.name());
            ObjectNode v = out.addObject();
            v.put("name", variant.name()).put("bulk_docs", variant.bulkDocs()).put("connections", variant.connections())
                    .put("explicit_ids", variant.explicitIds()).put("poll_refresh", variant.pollRefresh());
            v.put("es_cpu_ms_per_1000", median(runs, "es_cpu_ms_per_1000"))
                    .put("index_time_ms_per_1000", median(runs, "index_time_ms_per_1000"))
                    .put("bytes_per_doc", median(runs, "bytes_per_doc"))
                    .put("docs_per_s", median(runs, "docs_per_s"));
            ArrayNode each = v.putArray("rounds");
            runs.forEach(each::add);
            report.row("es-cost " + variant.name() + ": ES CPU ms/1000 docs, bytes/doc, docs/s",
                    String.format(Locale.ROOT, "%.1f, %.0f, %.0f", v.get("es_cpu_ms_per_1000").asDouble(),
                            v.get("bytes_per_doc").asDouble(), v.get("docs_per_s").asDouble()), "");
        }
    }

    private ObjectNode measure(Variant variant, List<Document> documents, String round) throws Exception {
        String index = prefix + "-escost-" + Integer.toHexString(variant.name().hashCode()) + "-" + round;
        es.call("DELETE", "/" + index, (String) null);
        es.call("PUT", "/" + index, "{\"settings\":{\"number_of_shards\":1,\"number_of_replicas\":0},\"mappings\":"
                + variant.mappings() + "}");
        List<byte[]> bodies = bodies(documents, variant.bulkDocs(), variant.explicitIds());
        AtomicBoolean flooding = new AtomicBoolean(true);
        Thread poller = null;
        CpuMeter cpu = new CpuMeter().track("elasticsearch", esPid).start();
        long start = System.nanoTime();
        if (variant.pollRefresh()) {
            Elasticsearch pollConnection = new Elasticsearch(es.base());
            poller = new Thread(() -> {
                try {
                    while (flooding.get()) {
                        pollConnection.refreshedCount(index, Elasticsearch.MATCH_ALL);
                        TimeUnit.MILLISECONDS.sleep(250); // as the throughput phases poll
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "es-cost-poller");
            poller.start();
        }
        int errors = es.bulkInParallel("/" + index + "/_bulk", bodies, variant.connections());
        flooding.set(false);
        if (poller != null) {
            poller.join();
        }
        long count = es.refreshedCount(index, Elasticsearch.MATCH_ALL);
        double seconds = (System.nanoTime() - start) / 1e9;
        ObjectNode cpuFigures = Json.MAPPER.createObjectNode();
        cpu.stop(cpuFigures, documents.size());
        if (count != documents.size() || errors > 0) {
            throw new IllegalStateException("es-cost " + variant.name() + ": " + count + " of " + documents.size()
                    + " searchable, " + errors + " bulk requests with item errors");
        }
        JsonNode indexing = es.call("GET", "/" + index + "/_stats/indexing", (String) null)
                .path("indices").path(index).path("primaries").path("indexing");
        es.call("POST", "/" + index + "/_forcemerge?max_num_segments=1", (String) null);
        es.call("POST", "/" + index + "/_refresh", (String) null);
        JsonNode store = es.call("GET", "/" + index + "/_stats/store", (String) null)
                .path("indices").path(index).path("primaries").path("store");
        es.call("DELETE", "/" + index, (String) null);
        ObjectNode figures = Json.MAPPER.createObjectNode();
        figures.put("es_cpu_ms_per_1000", cpuFigures.path("cpu_ms_per_1000_messages").path("elasticsearch").asDouble());
        figures.put("index_time_ms_per_1000", indexing.path("index_time_in_millis").asDouble() * 1000 / documents.size());
        figures.put("bytes_per_doc", Math.round(store.path("size_in_bytes").asDouble() / documents.size()));
        figures.put("docs_per_s", Math.round(documents.size() / seconds));
        figures.put("machine_busy_s", cpuFigures.path("cpu_seconds").path("machine_busy").asDouble());
        return figures;
    }

    private static double median(List<ObjectNode> runs, String figure) {
        double[] values = runs.stream().mapToDouble(r -> r.path(figure).asDouble()).sorted().toArray();
        double median = values.length % 2 == 1 ? values[values.length / 2]
                : (values[values.length / 2 - 1] + values[values.length / 2]) / 2;
        return Math.round(median * 10) / 10.0;
    }

    /** The syslog flood's messages as the log-worker's documents, one JSON document per element. */
    static List<Document> documents(int n) {
        Enricher enricher = new Enricher("logs", "development", "0.1.0-SNAPSHOT", Clock.systemUTC());
        List<Document> documents = new ArrayList<>(n);
        int[] pri = {14, 12, 11, 15};
        for (int i = 0; i < n; i++) {
            int severity = pri[i % 4] % 8;
            ObjectNode input = Json.MAPPER.createObjectNode();
            input.put("message", String.format(Locale.ROOT, "GET /api/v1/users/%d completed status=200"
                    + " duration_ms=%d bench", i, i % 997));
            input.put("service", "service-" + i % 10);
            input.put("level", Level.fromSyslogSeverity(severity).wireName());
            input.put("timestamp", String.format(Locale.ROOT, "2026-12-01T12:%02d:%02d.%03dZ", i / 60000 % 60,
                    i / 1000 % 60, i % 1000));
            input.put("host", String.format(Locale.ROOT, "web-%02d", i % 7));
            SyslogMetadata syslog = new SyslogMetadata(SyslogMetadata.RFC5424, pri[i % 4] / 8, severity,
                    Optional.of("service-" + i % 10), Optional.of(Integer.toString(1000 + i % 50)),
                    Optional.of("ID" + i % 5));
            IngestContext context = new IngestContext(EventIds.next(), Instant.now(),
                    Source.syslog("127.0.0.1:" + (40000 + i % 4)), Optional.of(syslog));
            LogEvent event = ((Validated.Valid<LogEvent>) LogEventCodec.fromInput(input, context)).value();
            documents.add(new Document(event.eventId(), enricher.document(event)));
        }
        return documents;
    }

    /** Bulk bodies for {@code POST /<index>/_bulk}: {@code create} with the event ID as in the log-worker, or auto IDs. */
    private static List<byte[]> bodies(List<Document> documents, int perBulk, boolean explicitIds) throws Exception {
        List<byte[]> bodies = new ArrayList<>();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int i = 0; i < documents.size(); i++) {
            Document document = documents.get(i);
            String action = explicitIds ? "{\"create\":{\"_id\":\"" + document.eventId() + "\"}}\n" : "{\"create\":{}}\n";
            body.write(action.getBytes(StandardCharsets.UTF_8));
            body.write(document.json());
            body.write('\n');
            if ((i + 1) % perBulk == 0 || i == documents.size() - 1) {
                bodies.add(body.toByteArray());
                body.reset();
            }
        }
        return bodies;
    }
}
