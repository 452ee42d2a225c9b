package io.killkrill.it.metricsworker;

import com.fasterxml.jackson.databind.JsonNode;
import io.killkrill.it.support.PostgresExtension;
import io.killkrill.it.support.PostgresService;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.metricsworker.MetricsWorker;
import io.killkrill.metricsworker.MetricsWorkerSettings.FaultInjection;
import io.killkrill.model.Json;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static io.killkrill.it.metricsworker.MetricsWorkerFixture.closedMinute;
import static io.killkrill.it.metricsworker.MetricsWorkerFixture.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * GET /api/v1/aggregates against a real worker and PostgreSQL (issue 14, item 7): the time rule (RFC 3339, epoch
 * seconds, epoch milliseconds), paging by cursor, non-finite values as documented, the page query served by an
 * index, and 10,000 random parameter sets answered 200 or a 400 naming the parameter, never a 5xx.
 */
@ExtendWith({RedisExtension.class, PostgresExtension.class})
class AggregatesApiIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final int SERIES = 25;

    private MetricsWorkerFixture fixture;
    private MetricsWorker worker;
    private Instant window;

    @BeforeEach
    void setUp(RedisService redis, PostgresService postgres) throws Exception {
        fixture = new MetricsWorkerFixture(redis, postgres, "aggapi");
        window = closedMinute();
        for (int host = 0; host < SERIES; host++) {
            fixture.send(sample("api_latency", host, Map.of("host", "h" + (100 + host)), window.plusSeconds(1)));
        }
        // two samples whose sum overflows a double: +Inf
        fixture.send(sample("api_huge", 1.5e308, Map.of(), window.plusSeconds(1)));
        fixture.send(sample("api_huge", 1.5e308, Map.of(), window.plusSeconds(2)));
        worker = new MetricsWorker(fixture.config(postgres.jdbcUrl(), 1000, List.of(Duration.ofSeconds(60)), 1000,
                FaultInjection.NONE)).start();
        await("all " + (SERIES + 2) + " samples stored and acknowledged").atMost(Duration.ofSeconds(30))
                .until(() -> fixture.undelivered() == 0 && fixture.pending() == 0
                        && fixture.totalCount() == SERIES + 2);
    }

    @AfterEach
    void tearDown() throws SQLException {
        if (worker != null) {
            worker.close();
        }
        fixture.cleanUp();
    }

    private HttpResponse<String> get(String rawQuery) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(MetricsWorkerFixture.admin(worker.adminPort(),
                "/api/v1/aggregates?" + rawQuery)).GET().timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode json(String rawQuery) throws Exception {
        HttpResponse<String> response = get(rawQuery);
        assertThat(response.statusCode()).as("status of ?%s: %s", rawQuery, response.body()).isEqualTo(200);
        return Json.MAPPER.readTree(response.body());
    }

    /**
     * Regression of issue 14: {@code to=9999999999999} (epoch milliseconds, year 2286) answered 500 because it was
     * read as seconds (a year PostgreSQL cannot store). Now the same window is found whether from/to are given as
     * RFC 3339, epoch seconds or epoch milliseconds, and an instant past year 9999 is a 400 naming the parameter.
     */
    @Test
    void epochMillisecondsEpochSecondsAndRfc3339NameTheSameInstants() throws Exception {
        long seconds = window.getEpochSecond();
        JsonNode byMillis = json("name=api_latency&from=" + seconds * 1000 + "&to=9999999999999");
        JsonNode bySeconds = json("name=api_latency&from=" + seconds + "&to=" + (seconds + 60));
        JsonNode byRfc3339 = json("name=api_latency&from=" + window + "&to="
                + URLEncoder.encode(window.plusSeconds(60).atOffset(java.time.ZoneOffset.ofHours(2)).toString(),
                StandardCharsets.UTF_8));
        JsonNode justAfter = json("name=api_latency&from=" + (seconds * 1000 + 1) + "&to=9999999999999");

        assertThat(byMillis.get("aggregates")).hasSize(SERIES);
        assertThat(bySeconds.get("aggregates")).isEqualTo(byMillis.get("aggregates"));
        assertThat(byRfc3339.get("aggregates")).isEqualTo(byMillis.get("aggregates"));
        assertThat(justAfter.get("aggregates")).as("a window starting 1 ms before from").isEmpty();
        HttpResponse<String> tooLate = get("name=api_latency&to=99999999999999999");
        assertThat(tooLate.statusCode()).isEqualTo(400);
        assertThat(tooLate.body()).contains("to '99999999999999999' is out of range");
    }

    /** Pages of 7 by next_cursor return every row exactly once, in order, and the last page has no cursor. */
    @Test
    void pagesFollowTheCursorAndReturnEveryRowExactlyOnce() throws Exception {
        List<String> hosts = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = json("name=api_latency&window=60s&limit=7"
                    + (cursor == null ? "" : "&cursor=" + cursor));
            page.get("aggregates").forEach(row -> hosts.add(row.get("labels").get("host").asText()));
            cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
            assertThat(page.get("truncated").asBoolean()).isEqualTo(cursor != null);
            pages++;
        } while (cursor != null && pages < 10);

        assertThat(pages).isEqualTo(4);
        assertThat(hosts).hasSize(SERIES).doesNotHaveDuplicates().isSorted();
        JsonNode filtered = json("name=api_latency&labels=host=h107");
        assertThat(filtered.get("aggregates")).hasSize(1);
        assertThat(get("name=api_latency&cursor=bm90LWEtY3Vyc29y").body())
                .contains("cursor is not a next_cursor this API returned");
    }

    /** A sum that overflowed is the string "+Inf" (documented), not Jackson's "Infinity"; finite values are numbers. */
    @Test
    void nonFiniteValuesAreWrittenAsDocumented() throws Exception {
        JsonNode row = json("name=api_huge").get("aggregates").get(0);

        assertThat(row.get("sum").asText()).isEqualTo("+Inf");
        assertThat(row.get("max").isNumber()).isTrue();
        assertThat(row.get("count").asLong()).isEqualTo(2);
    }

    /**
     * The page query, on 50,000 rows of one metric over 2,000 windows plus 50,000 of another, is an index scan of
     * window_aggregate_page bounded by name, size and window start, with no sequential scan and no sort (the index
     * order is the page order). The plan is what docs/metrics-worker.md shows.
     */
    @Test
    void thePageQueryIsAnIndexScanWithoutASort() throws Exception {
        String table = fixture.schema + ".window_aggregate";
        try (Connection c = fixture.postgres.connect(); Statement s = c.createStatement()) {
            for (String name : List.of("bulk_a", "bulk_b")) {
                s.execute("INSERT INTO " + table + " (id, metric_name, labels, window_seconds, window_start,"
                        + " sample_count, value_sum, min_value, max_value, last_value, last_timestamp, sketch,"
                        + " metric_type, first_value, first_timestamp, value_increase, counter_points,"
                        + " updated_at) SELECT nextval('" + fixture.schema + ".window_aggregate_seq'), '" + name
                        + "', '{\"host\":\"h' || (g % 25) || '\"}', 60, timestamptz '2024-01-01' + (g / 25)"
                        + " * interval '1 minute', 1, 1, 1, 1, 1, now(), '\\x00'::bytea, 'gauge', 1, now(), 0,"
                        + " ''::bytea, now()"
                        + " FROM generate_series(1, 50000) g");
            }
            s.execute("ANALYZE " + table);
            StringBuilder plan = new StringBuilder();
            try (ResultSet r = s.executeQuery("EXPLAIN SELECT * FROM " + table + " WHERE metric_name = 'bulk_a'"
                    + " AND window_start >= '2024-01-01T10:00:00Z' AND window_start < '2024-01-01T20:00:00Z'"
                    + " AND window_seconds = 60 AND (window_seconds, window_start, labels) > (60,"
                    + " '2024-01-01T10:00:00Z', '{\"host\":\"h3\"}') ORDER BY window_seconds, window_start, labels"
                    + " LIMIT 1001")) {
                while (r.next()) {
                    plan.append(r.getString(1)).append('\n');
                }
            }
            System.out.println("EXPLAIN of the aggregates page query:\n" + plan);
            assertThat(plan.toString()).contains("Index Scan using window_aggregate_page")
                    .doesNotContain("Seq Scan").doesNotContain("Sort");
        }
    }

    /**
     * 10,000 parameter sets drawn by jqwik arbitraries (known and unknown names; values that are valid, nearly
     * valid, huge, negative, non-ASCII, control characters, JSON fragments, broken percent-encoding): every answer
     * is 200 or 400, and a 400 lists problems that each name a parameter. Fails on the first 5xx, naming the query.
     */
    @Test
    void tenThousandRandomParameterSetsNeverGiveA5xx() throws Exception {
        Arbitrary<String> key = Arbitraries.oneOf(Arbitraries.of("name", "labels", "from", "to", "window", "limit",
                "cursor"), Arbitraries.of("name", "from", "to"), Arbitraries.strings().ofMaxLength(8));
        Arbitrary<String> value = Arbitraries.oneOf(
                Arbitraries.of("api_latency", "api_huge", "", "9999999999999", "99999999999999999999",
                        "-99999999999999999999", "1700000000", "1700000000.5", "-1", "0", "1e9", "NaN", "Infinity",
                        "2024-01-01T00:00:00Z", "2024-13-01T00:00:00Z", "9999-12-31T23:59:59Z", "0000-01-01T00:00:00Z",
                        "60s", "0s", "999999999999999d", "PT1H", "1.5s", "10000", "10001", "0", "-5",
                        "host=h101", "host=", "=x", "{\"host\":\"h101\"}", "{\"host\":1}", "[1]", "{", "{}",
                        "host=a\u0000b", "a,b,c", "bm90LWEtY3Vyc29y", "eyJ3IjoiNjAiLCJ0IjoiMjAyNC0wMS0wMVQwMDowMDowMFoiLCJsIjoie30ifQ"),
                Arbitraries.strings().ofMaxLength(40),
                Arbitraries.strings().withChars("0123456789.-:TZ+e").ofMaxLength(30),
                Arbitraries.longs().map(n -> Long.toString(n)),
                Arbitraries.strings().ofMinLength(300).ofMaxLength(2000));
        Arbitrary<String> pair = Combinators.combine(key, value, Arbitraries.integers().between(0, 9))
                .as((k, v, mode) -> mode == 0
                        ? k + "=" + v.replace("&", "") // raw, possibly broken percent-encoding
                        : URLEncoder.encode(k, StandardCharsets.UTF_8) + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8));
        Arbitrary<String> query = pair.list().ofMinSize(0).ofMaxSize(7).map(pairs -> String.join("&", pairs));
        Set<String> names = Set.of("name", "labels", "from", "to", "window", "limit", "cursor", "parameter");
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger bad = new AtomicInteger();
        Set<String> seen = new HashSet<>();

        List<String> queries = query.sampleStream().limit(10_000).toList();
        // sent by three clients at once (the admin server has two threads), answers checked in query order
        ExecutorService clients = Executors.newFixedThreadPool(3);
        List<Map.Entry<String, Future<Optional<HttpResponse<String>>>>> answers = new ArrayList<>();
        try {
            for (String raw : queries) {
                String safe = raw.chars().allMatch(ch -> ch > 32 && ch < 127) ? raw
                        : URLEncoder.encode(raw, StandardCharsets.UTF_8).replace("%3D", "=").replace("%26", "&");
                answers.add(Map.entry(safe, clients.submit(() -> {
                    try {
                        return Optional.of(get(safe));
                    } catch (IllegalArgumentException notAUri) {
                        return Optional.<HttpResponse<String>>empty(); // the client refuses to send it
                    }
                })));
            }
            for (Map.Entry<String, Future<Optional<HttpResponse<String>>>> answer : answers) {
                checkFuzzAnswer(answer.getKey(), answer.getValue().get(), names, ok, bad, seen);
            }
        } finally {
            clients.shutdownNow();
        }
        System.out.printf("aggregates fuzz: %d queries (%d distinct), %d answered 200, %d answered 400%n",
                queries.size(), seen.size(), ok.get(), bad.get());
        assertThat(ok.get()).as("some random queries are valid").isPositive();
        assertThat(bad.get()).as("some random queries are bad").isPositive();
        assertThat(ok.get() + bad.get()).isGreaterThan(9_000);
    }

    /** One answer of the fuzz: 200, or a 400 whose problems each name a parameter; a query never sent is skipped. */
    private static void checkFuzzAnswer(String safe, Optional<HttpResponse<String>> sent, Set<String> names,
                                        AtomicInteger ok, AtomicInteger bad, Set<String> seen) throws Exception {
        if (sent.isEmpty()) {
            return; // the client refuses to send it: not a request the server sees
        }
        HttpResponse<String> response = sent.get();
        assertThat(response.statusCode()).as("status of ?%s: %s", safe, response.body()).isIn(200, 400);
        if (response.statusCode() == 400) {
            bad.incrementAndGet();
            JsonNode problems = Json.MAPPER.readTree(response.body()).get("problems");
            assertThat(problems).as("problems of ?%s", safe).isNotEmpty();
            problems.forEach(problem -> assertThat(names.stream().anyMatch(problem.asText()::contains))
                    .as("problem '%s' of ?%s names a parameter", problem.asText(), safe).isTrue());
        } else {
            ok.incrementAndGet();
        }
        seen.add(safe);
    }
}
