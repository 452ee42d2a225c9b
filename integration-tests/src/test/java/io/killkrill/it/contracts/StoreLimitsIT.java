package io.killkrill.it.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.killkrill.it.support.ElasticsearchExtension;
import io.killkrill.it.support.ElasticsearchService;
import io.killkrill.it.support.PostgresExtension;
import io.killkrill.it.support.PostgresService;
import io.killkrill.logworker.elasticsearch.IndexTemplateInstaller;
import io.killkrill.model.Json;
import io.killkrill.model.LogEventCodec;
import io.killkrill.model.MetricSampleCodec;
import io.killkrill.model.MetricType;
import io.killkrill.model.Rfc3339;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The contract's limits (the public MAX_/MIN_ constants of the codecs) are never looser than what the real stores
 * hold: the figures are read from the metrics-worker's schema as Flyway migrates it and from the index template
 * as the log-worker installs it, and a row and a document at every limit at once, with incompressible worst-case
 * content (3-byte characters, random text), are stored. Raising a limit past a store's figure fails here.
 */
@ExtendWith({PostgresExtension.class, ElasticsearchExtension.class})
class StoreLimitsIT {
    /** Lucene's longest term (IndexWriter.MAX_TERM_LENGTH), in UTF-8 bytes: a keyword value or flattened key+value. */
    private static final int MAX_TERM_BYTES = 32_766;
    /** The most UTF-8 bytes one UTF-16 code unit (what the contract's lengths count) can take. */
    private static final int MAX_BYTES_PER_UNIT = 3;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";

    @Test
    void theMigratedSchemaHoldsEverySampleTheContractAccepts(PostgresService postgres) throws Exception {
        String schema = postgres.createUniqueSchema("store_limits");
        try {
            Flyway.configure().dataSource(postgres.jdbcUrl(), postgres.user(), postgres.password())
                    .schemas(schema).locations("classpath:db/migration").load().migrate();
            Map<String, Column> columns = columns(postgres, schema, "window_aggregate");

            assertThat(columns.get("metric_name").maxLength()).as("metric_name varchar length")
                    .isGreaterThanOrEqualTo(MetricSampleCodec.MAX_NAME_LENGTH);
            assertThat(columns.get("labels").maxLength())
                    .as("labels varchar length (characters; the label text has at most as many as its bytes)")
                    .isGreaterThanOrEqualTo(MetricSampleCodec.MAX_LABEL_SET_BYTES);
            for (String value : new String[]{"value_sum", "min_value", "max_value", "first_value", "last_value",
                    "value_increase"}) {
                assertThat(columns.get(value).type()).as(value).isEqualTo("double precision");
            }
            for (MetricType type : MetricType.values()) {
                assertThat(columns.get("metric_type").maxLength()).as("metric_type holds " + type.wireName())
                        .isGreaterThanOrEqualTo(type.wireName().length());
            }
            for (String time : new String[]{"window_start", "first_timestamp", "last_timestamp"}) {
                assertThat(columns.get(time).type()).as(time).isEqualTo("timestamp with time zone");
            }

            // the column lengths are not the binding figure: the unique btree index over name and labels is
            String name = random(ALPHANUMERIC, MetricSampleCodec.MAX_NAME_LENGTH);
            String labels = labelTextOfExactly(MetricSampleCodec.MAX_LABEL_SET_BYTES);
            double max = MetricSampleCodec.MAX_ABS_VALUE;
            Instant last = MetricSampleCodec.MAX_TIMESTAMP.truncatedTo(ChronoUnit.MICROS);
            try (Connection c = postgres.connect(); PreparedStatement insert = c.prepareStatement("INSERT INTO "
                    + schema + ".window_aggregate (id, metric_name, labels, window_seconds, window_start, sample_count,"
                    + " value_sum, min_value, max_value, last_value, last_timestamp, sketch, metric_type,"
                    + " first_value, first_timestamp, value_increase, counter_points, updated_at)"
                    + " VALUES (1, ?, ?, 60, ?, 2, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())")) {
                insert.setString(1, name);
                insert.setString(2, labels);
                insert.setObject(3, last.truncatedTo(ChronoUnit.MINUTES).atOffset(ZoneOffset.UTC));
                insert.setDouble(4, Double.POSITIVE_INFINITY); // a sum of two samples near the limit
                insert.setDouble(5, -max);
                insert.setDouble(6, max);
                insert.setDouble(7, 5e-324);
                insert.setObject(8, last.atOffset(ZoneOffset.UTC));
                insert.setBytes(9, new byte[0]);
                insert.setString(10, MetricType.COUNTER.wireName());
                insert.setDouble(11, -max);
                insert.setObject(12, last.atOffset(ZoneOffset.UTC));
                insert.setDouble(13, Double.POSITIVE_INFINITY); // an increase over a reset near the limit
                insert.setBytes(14, new byte[0]);
                assertThat(insert.executeUpdate()).as("a row at every limit (index row of a %d-byte name and a"
                        + " %d-byte label text)", name.length(), labels.getBytes(StandardCharsets.UTF_8).length)
                        .isEqualTo(1);
            }
            try (Connection c = postgres.connect(); Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("SELECT metric_name, labels, value_sum, min_value, max_value,"
                         + " last_value, last_timestamp FROM " + schema + ".window_aggregate")) {
                assertThat(r.next()).isTrue();
                assertThat(r.getString(1)).isEqualTo(name);
                assertThat(r.getString(2)).isEqualTo(labels);
                assertThat(r.getDouble(3)).isEqualTo(Double.POSITIVE_INFINITY);
                assertThat(r.getDouble(4)).isEqualTo(-max);
                assertThat(r.getDouble(5)).isEqualTo(max);
                assertThat(r.getDouble(6)).isEqualTo(5e-324);
                assertThat(r.getObject(7, java.time.OffsetDateTime.class).toInstant()).isEqualTo(last);
            }
        } finally {
            try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    @Test
    void theInstalledIndexTemplateHoldsEveryEventTheContractAccepts(ElasticsearchService elasticsearch)
            throws Exception {
        String prefix = ElasticsearchService.uniqueIndex("store-limits");
        IndexTemplateInstaller installer = new IndexTemplateInstaller(elasticsearch.client(), prefix, 0);
        String index = prefix + "-2026.01.01";
        HttpClient http = HttpClient.newHttpClient();
        try {
            installer.install();
            assertThat(send(http, elasticsearch, "PUT", "/" + index, "{}").statusCode()).isEqualTo(200);
            JsonNode mapping = json(send(http, elasticsearch, "GET", "/" + index + "/_mapping", null).body())
                    .path(index).path("mappings");
            JsonNode properties = mapping.path("properties");

            assertThat(mapping.path("dynamic").asText()).as("unknown fields are not mapped").isEqualTo("false");
            Map<String, Integer> keywords = Map.of("service", LogEventCodec.MAX_SERVICE_LENGTH,
                    "host", LogEventCodec.MAX_HOST_LENGTH, "trace_id", LogEventCodec.MAX_TRACE_ID_LENGTH,
                    "span_id", LogEventCodec.MAX_SPAN_ID_LENGTH);
            keywords.forEach((field, limit) -> assertKeywordHolds(properties.path(field), field, limit));
            JsonNode syslog = properties.path("syslog").path("properties");
            assertKeywordHolds(syslog.path("app_name"), "syslog.app_name", LogEventCodec.MAX_SYSLOG_APP_NAME_LENGTH);
            assertKeywordHolds(syslog.path("proc_id"), "syslog.proc_id", LogEventCodec.MAX_SYSLOG_PROC_ID_LENGTH);
            assertKeywordHolds(syslog.path("msg_id"), "syslog.msg_id", LogEventCodec.MAX_SYSLOG_MSG_ID_LENGTH);

            JsonNode attributes = properties.path("attributes");
            assertThat(attributes.path("type").asText()).as("attributes: one flattened field, whatever the keys")
                    .isEqualTo("flattened");
            int ignoreAbove = attributes.path("ignore_above").asInt(Integer.MAX_VALUE);
            assertThat(LogEventCodec.MAX_ATTRIBUTE_VALUE_LENGTH).as("attribute values are all searchable")
                    .isLessThanOrEqualTo(ignoreAbove);
            assertThat((LogEventCodec.MAX_ATTRIBUTE_KEY_LENGTH + 1 + LogEventCodec.MAX_ATTRIBUTE_VALUE_LENGTH)
                    * MAX_BYTES_PER_UNIT).as("the flattened term key\\0value of the longest key and value, bytes")
                    .isLessThanOrEqualTo(MAX_TERM_BYTES);
            assertThat(properties.path("@timestamp").path("type").asText()).isEqualTo("date");

            // a document at every limit at once, in 3-byte characters, at both ends of the time range
            for (Instant time : new Instant[]{LogEventCodec.MIN_TIMESTAMP, LogEventCodec.MAX_TIMESTAMP}) {
                ObjectNode document = Json.MAPPER.createObjectNode();
                document.put("@timestamp", Rfc3339.format(time.atOffset(ZoneOffset.UTC)));
                document.put("message", "at the limits");
                document.put("service", "s".repeat(LogEventCodec.MAX_SERVICE_LENGTH));
                document.put("host", "\u20ac".repeat(LogEventCodec.MAX_HOST_LENGTH));
                document.put("trace_id", "\u20ac".repeat(LogEventCodec.MAX_TRACE_ID_LENGTH));
                document.put("span_id", "\u20ac".repeat(LogEventCodec.MAX_SPAN_ID_LENGTH));
                ObjectNode attrs = document.putObject("attributes");
                for (int i = 0; i < LogEventCodec.MAX_ATTRIBUTES; i++) {
                    String key = String.format("%03d", i) + "\u20ac".repeat(LogEventCodec.MAX_ATTRIBUTE_KEY_LENGTH - 3);
                    attrs.put(key, i == 0 ? "\u20ac".repeat(LogEventCodec.MAX_ATTRIBUTE_VALUE_LENGTH) : "v");
                }
                ObjectNode sys = document.putObject("syslog");
                sys.put("app_name", "\u20ac".repeat(LogEventCodec.MAX_SYSLOG_APP_NAME_LENGTH));
                sys.put("proc_id", "\u20ac".repeat(LogEventCodec.MAX_SYSLOG_PROC_ID_LENGTH));
                sys.put("msg_id", "\u20ac".repeat(LogEventCodec.MAX_SYSLOG_MSG_ID_LENGTH));
                HttpResponse<String> indexed = send(http, elasticsearch, "POST", "/" + index + "/_doc",
                        Json.write(document));
                assertThat(indexed.statusCode()).as("a document at every limit, @timestamp %s: %s", time,
                        indexed.body()).isEqualTo(201);
            }
            // the years beyond the range are what Elasticsearch refuses
            HttpResponse<String> beyond = send(http, elasticsearch, "POST", "/" + index + "/_doc",
                    "{\"@timestamp\":\"+10000-01-01T00:00:00Z\",\"message\":\"m\"}");
            assertThat(beyond.statusCode()).isEqualTo(400);
        } finally {
            send(http, elasticsearch, "DELETE", "/" + index, null);
            elasticsearch.client().indices().deleteIndexTemplate(d -> d.name(installer.templateName()));
        }
    }

    /** A keyword without ignore_above must hold the longest value the contract accepts as one term. */
    private static void assertKeywordHolds(JsonNode field, String name, int maxLength) {
        assertThat(field.path("type").asText()).as("%s type", name).isEqualTo("keyword");
        if (!field.has("ignore_above")) {
            assertThat(maxLength * MAX_BYTES_PER_UNIT).as("%s: the longest accepted value in UTF-8 bytes", name)
                    .isLessThanOrEqualTo(MAX_TERM_BYTES);
        } else {
            assertThat(maxLength).as("%s: accepted values are all searchable", name)
                    .isLessThanOrEqualTo(field.path("ignore_above").asInt());
        }
    }

    record Column(String type, int maxLength) {
    }

    private static Map<String, Column> columns(PostgresService postgres, String schema, String table)
            throws Exception {
        Map<String, Column> columns = new HashMap<>();
        try (Connection c = postgres.connect(); PreparedStatement s = c.prepareStatement("SELECT column_name,"
                + " data_type, coalesce(character_maximum_length, -1) FROM information_schema.columns"
                + " WHERE table_schema = ? AND table_name = ?")) {
            s.setString(1, schema);
            s.setString(2, table);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    columns.put(r.getString(1), new Column(r.getString(2), r.getInt(3)));
                }
            }
        }
        assertThat(columns).as("columns of %s.%s", schema, table).containsKeys("metric_name", "labels");
        return columns;
    }

    /**
     * A canonical label text of exactly {@code bytes} UTF-8 bytes that no compression shrinks: random letters and
     * 3-byte characters, in label values the contract accepts.
     */
    static String labelTextOfExactly(int bytes) {
        TreeMap<String, String> labels = new TreeMap<>();
        labels.put("a", random(ALPHANUMERIC, MetricSampleCodec.MAX_LABEL_VALUE_LENGTH));
        labels.put("b", random("\u20ac\u2603\u4e2d\u65e5", 200));
        String text = MetricSampleCodec.canonicalLabels(labels);
        int rest = bytes - text.getBytes(StandardCharsets.UTF_8).length - ",\"c\":\"\"".length();
        labels.put("c", random(ALPHANUMERIC, rest));
        text = MetricSampleCodec.canonicalLabels(labels);
        assertThat(text.getBytes(StandardCharsets.UTF_8)).hasSize(bytes);
        return text;
    }

    static String random(String alphabet, int length) {
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            out.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return out.toString();
    }

    private static HttpResponse<String> send(HttpClient http, ElasticsearchService elasticsearch, String method,
                                             String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(elasticsearch.uri() + path))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(String text) throws Exception {
        return Json.MAPPER.readTree(text);
    }
}
