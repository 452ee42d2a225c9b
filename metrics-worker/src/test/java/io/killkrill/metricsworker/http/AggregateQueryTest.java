package io.killkrill.metricsworker.http;

import io.killkrill.metricsworker.store.PagePosition;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The documented time rule of from/to and the parser's promise: problems, never an exception (issue 14). */
class AggregateQueryTest {
    private static final Instant NOW = Instant.parse("2024-05-01T10:00:00Z");

    private static Optional<Instant> time(String text) {
        return AggregateQuery.time(Map.of("to", text), "to", new ArrayList<>());
    }

    @Test
    void elevenDigitsOrFewerAreSecondsTwelveOrMoreAreMilliseconds() {
        assertThat(time("1700000000")).contains(Instant.ofEpochSecond(1_700_000_000));
        assertThat(time("1700000000000")).contains(Instant.ofEpochSecond(1_700_000_000));
        assertThat(time("1700000000.25")).contains(Instant.ofEpochSecond(1_700_000_000, 250_000_000));
        assertThat(time("99999999999")).contains(Instant.ofEpochSecond(99_999_999_999L)); // year 5138
        assertThat(time("100000000000")).contains(Instant.ofEpochMilli(100_000_000_000L)); // 1973-03-03
        assertThat(time("9999999999999")).contains(Instant.ofEpochMilli(9_999_999_999_999L)); // issue 14: was a 500
        assertThat(time("-86400")).contains(Instant.parse("1969-12-31T00:00:00Z"));
        assertThat(time("2024-05-01T12:00:00+02:00")).contains(Instant.parse("2024-05-01T10:00:00Z"));
    }

    @Test
    void instantsOutsideYearsOneToNineThousandNineHundredNinetyNineNameTheParameter() {
        List<String> problems = new ArrayList<>();
        assertThat(AggregateQuery.time(Map.of("to", "99999999999999999"), "to", problems)).isEmpty();
        assertThat(AggregateQuery.time(Map.of("from", "1e9"), "from", problems)).isEmpty();
        assertThat(problems).hasSize(2);
        assertThat(problems.get(0)).startsWith("to '99999999999999999' is out of range");
        assertThat(problems.get(1)).startsWith("from '1e9' is not a time");
    }

    @Test
    void aCursorRoundTripsAndAForgedOneIsAProblem() {
        PagePosition position = new PagePosition(60, Instant.parse("2024-05-01T09:00:00Z"), "{\"h\":\"a\"}");
        var parsed = AggregateQuery.parse(Map.of("name", "m", "cursor", AggregateQuery.Cursor.encode(position)), NOW);
        assertThat(parsed.query().orElseThrow().after()).contains(position);
        assertThat(AggregateQuery.parse(Map.of("name", "m", "cursor", "e30"), NOW).problems())
                .containsExactly("cursor is not a next_cursor this API returned");
        assertThat(AggregateQuery.parse(Map.of("name", "m", "form", "1"), NOW).problems())
                .singleElement().asString().startsWith("unknown parameter 'form'");
    }

    /** Any parameter map gives a query or problems, never an exception (which the server would answer 500). */
    @Property(tries = 2_000)
    void parsingNeverThrows(@ForAll Map<String, String> params) {
        AggregateQuery.Either result = AggregateQuery.parse(params, NOW);
        assertThat(result.query().isPresent() ^ !result.problems().isEmpty()).isTrue();
    }

    @Property(tries = 2_000)
    void parsingNeverThrowsForAnyTime(@ForAll String from, @ForAll String to, @ForAll String window,
                                      @ForAll String limit) {
        AggregateQuery.Either result = AggregateQuery.parse(Map.of("name", "m", "from", from, "to", to,
                "window", window, "limit", limit), NOW);
        assertThat(result.query().isPresent() ^ !result.problems().isEmpty()).isTrue();
    }
}
