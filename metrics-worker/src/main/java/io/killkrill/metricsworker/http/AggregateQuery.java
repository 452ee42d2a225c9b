package io.killkrill.metricsworker.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.killkrill.config.SettingType;
import io.killkrill.metricsworker.store.PagePosition;
import io.killkrill.model.Json;
import io.killkrill.model.MetricSampleCodec;
import io.killkrill.model.Rfc3339;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The parameters of {@code GET /api/v1/aggregates}, validated; every problem names its parameter (the API answers
 * them all with one 400, never a 500):
 * <ul>
 *   <li>{@code name} (required, a metric name of at most 255 characters);</li>
 *   <li>{@code labels}: {@code k=v,k=v} or a JSON object of strings; rows whose label set contains every pair;</li>
 *   <li>{@code from} / {@code to}: window start in [from, to), default the last and next 24 hours. RFC 3339
 *       ({@code 2024-01-01T00:00:00Z}, any offset), or a number: epoch <em>seconds</em> (a fraction allowed) when
 *       its integer part has at most 11 digits, epoch <em>milliseconds</em> when it has 12 or more (so
 *       {@code 1700000000} and {@code 1700000000000} are the same instant; every instant from 1973 on is told apart
 *       correctly). Years 0001 to 9999;</li>
 *   <li>{@code window}: a window size such as {@code 60s} or {@code 1h};</li>
 *   <li>{@code limit}: rows per page, 1 to {@value #MAX_LIMIT}, default {@value #DEFAULT_LIMIT};</li>
 *   <li>{@code cursor}: the {@code next_cursor} of the previous page, to read the next one.</li>
 * </ul>
 * Any other parameter is a problem too (a typo such as {@code form=} would otherwise be silently ignored).
 */
public record AggregateQuery(String name, SortedMap<String, String> labels, Instant from, Instant to,
                             Optional<Integer> windowSeconds, int limit, Optional<PagePosition> after) {
    public static final int DEFAULT_LIMIT = 1_000;
    public static final int MAX_LIMIT = 10_000;
    private static final int MAX_NAME_LENGTH = 255;
    private static final int MAX_TIME_LENGTH = 64;
    /** 10^11: the smallest number read as milliseconds (1973-03-03 as ms; year 5138 as seconds). */
    private static final BigDecimal FIRST_MILLISECONDS = BigDecimal.TEN.pow(11);
    private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999999Z");
    private static final Pattern NUMBER = Pattern.compile("-?\\d{1,20}(\\.\\d{1,9})?");
    private static final Set<String> PARAMETERS = Set.of("name", "labels", "from", "to", "window", "limit",
            "cursor");
    private static final SettingType<Duration> WINDOW = SettingType.duration(Duration.ofSeconds(1),
            Duration.ofDays(7));

    /**
     * The {@code next_cursor} of a page that ended at {@code last}: opaque base64url JSON of its position in the
     * page order (window size, window start, label set); the next page starts after it.
     */
    public static final class Cursor {
        private Cursor() {
        }

        public static String encode(PagePosition last) {
            ObjectNode node = Json.MAPPER.createObjectNode();
            node.put("w", last.windowSeconds());
            node.put("t", last.windowStart().toString());
            node.put("l", last.labels());
            return Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(Json.write(node).getBytes(StandardCharsets.UTF_8));
        }

        static Optional<PagePosition> decode(String text) {
            try {
                JsonNode node = Json.MAPPER.readTree(Base64.getUrlDecoder().decode(text));
                JsonNode w = node.get("w");
                JsonNode t = node.get("t");
                JsonNode l = node.get("l");
                if (w == null || !w.canConvertToInt() || t == null || !t.isTextual() || l == null || !l.isTextual()) {
                    return Optional.empty();
                }
                Instant start = Instant.parse(t.textValue());
                if (start.isBefore(EARLIEST) || start.isAfter(LATEST) || l.textValue().indexOf('\0') >= 0) {
                    return Optional.empty();
                }
                return Optional.of(new PagePosition(w.intValue(), start, l.textValue()));
            } catch (Exception e) {
                return Optional.empty();
            }
        }
    }

    /** The query, or every problem with the parameters. */
    public static Either parse(Map<String, String> params, Instant now) {
        List<String> problems = new ArrayList<>();
        for (String key : params.keySet()) {
            if (!PARAMETERS.contains(key)) {
                problems.add("unknown parameter '" + shorten(key) + "': expected " + String.join(", ",
                        new java.util.TreeSet<>(PARAMETERS)));
            }
        }
        String name = params.getOrDefault("name", "");
        if (name.isEmpty()) {
            problems.add("name is required");
        } else if (name.length() > MAX_NAME_LENGTH) {
            problems.add("name is longer than " + MAX_NAME_LENGTH + " characters");
        } else if (!MetricSampleCodec.METRIC_NAME.matcher(name).matches()) {
            problems.add("name must match [a-zA-Z_:][a-zA-Z0-9_:]*");
        }
        SortedMap<String, String> labels = new TreeMap<>();
        String labelText = params.getOrDefault("labels", "").trim();
        if (!labelText.isEmpty()) {
            parseLabels(labelText, labels, problems);
        }
        Optional<Instant> from = time(params, "from", problems);
        Optional<Instant> to = time(params, "to", problems);
        Instant fromValue = from.orElse(now.minus(Duration.ofDays(1)));
        Instant toValue = to.orElse(now.plus(Duration.ofDays(1)));
        if (!fromValue.isBefore(toValue)) {
            problems.add("from must be before to");
        }
        Optional<Integer> window = Optional.empty();
        String windowText = params.getOrDefault("window", "");
        if (!windowText.isEmpty()) {
            try {
                Duration size = WINDOW.parse(windowText);
                if (size.toMillis() % 1000 != 0) {
                    problems.add("window must be whole seconds");
                }
                window = Optional.of((int) size.toSeconds());
            } catch (RuntimeException e) {
                problems.add("window '" + shorten(windowText) + "' " + e.getMessage() + ": expected "
                        + WINDOW.expects());
            }
        }
        int limit = DEFAULT_LIMIT;
        String limitText = params.getOrDefault("limit", "");
        if (!limitText.isEmpty()) {
            try {
                limit = SettingType.integer(1, MAX_LIMIT).parse(limitText);
            } catch (IllegalArgumentException e) {
                problems.add("limit '" + shorten(limitText) + "' " + e.getMessage() + ": expected an integer from 1 to "
                        + MAX_LIMIT);
            }
        }
        Optional<PagePosition> after = Optional.empty();
        String cursorText = params.getOrDefault("cursor", "");
        if (!cursorText.isEmpty()) {
            after = Cursor.decode(cursorText);
            if (after.isEmpty()) {
                problems.add("cursor is not a next_cursor this API returned");
            }
        }
        if (!problems.isEmpty()) {
            return new Either(Optional.empty(), problems);
        }
        return new Either(Optional.of(new AggregateQuery(name, labels, fromValue, toValue, window, limit, after)),
                List.of());
    }

    /** A parsed query or the problems found. */
    public record Either(Optional<AggregateQuery> query, List<String> problems) {
    }

    private static void parseLabels(String text, SortedMap<String, String> labels, List<String> problems) {
        if (text.startsWith("{")) {
            try {
                JsonNode node = Json.MAPPER.readTree(text);
                if (node == null || !node.isObject()) {
                    problems.add("labels is not a JSON object");
                    return;
                }
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (!e.getValue().isTextual()) {
                        problems.add("labels." + shorten(e.getKey()) + " must be a string");
                    } else {
                        label(e.getKey(), e.getValue().textValue(), labels, problems);
                    }
                }
            } catch (Exception e) {
                problems.add("labels is not a JSON object");
            }
            return;
        }
        for (String pair : text.split(",")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                problems.add("labels must be k=v,k=v or a JSON object; '" + shorten(pair) + "' has no name=value");
                continue;
            }
            label(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim(), labels, problems);
        }
    }

    private static void label(String key, String value, SortedMap<String, String> labels, List<String> problems) {
        if (key.length() > MetricSampleCodec.MAX_LABEL_NAME_LENGTH
                || !MetricSampleCodec.LABEL_NAME.matcher(key).matches()) {
            problems.add("labels: label name '" + shorten(key) + "' must match [a-zA-Z_][a-zA-Z0-9_]* (at most "
                    + MetricSampleCodec.MAX_LABEL_NAME_LENGTH + " characters)");
        } else if (value.length() > MetricSampleCodec.MAX_LABEL_VALUE_LENGTH) {
            problems.add("labels: the value of '" + key + "' is longer than " + MetricSampleCodec.MAX_LABEL_VALUE_LENGTH
                    + " characters");
        } else if (value.indexOf('\0') >= 0) {
            problems.add("labels: the value of '" + key + "' holds a NUL character, which no stored label can hold");
        } else if (labels.size() >= MetricSampleCodec.MAX_LABELS) {
            problems.add("labels: more than " + MetricSampleCodec.MAX_LABELS + " labels");
        } else {
            labels.put(key, value);
        }
    }

    /** The instant a {@code from} / {@code to} names, by the rule in the class comment; empty when unset or bad. */
    static Optional<Instant> time(Map<String, String> params, String key, List<String> problems) {
        String text = params.getOrDefault(key, "").trim();
        if (text.isEmpty()) {
            return Optional.empty();
        }
        String expected = ": expected RFC 3339 (2024-01-01T00:00:00Z), epoch seconds or epoch milliseconds"
                + " (12 or more digits), years 0001 to 9999";
        Instant instant;
        try {
            if (text.length() > MAX_TIME_LENGTH) {
                throw new DateTimeException("too long");
            }
            if (NUMBER.matcher(text).matches()) {
                BigDecimal number = new BigDecimal(text);
                BigDecimal integerPart = number.abs().setScale(0, java.math.RoundingMode.DOWN);
                BigDecimal seconds = integerPart.compareTo(FIRST_MILLISECONDS) >= 0
                        ? number.movePointLeft(3) : number;
                if (seconds.compareTo(BigDecimal.valueOf(LATEST.getEpochSecond())) > 0
                        || seconds.compareTo(BigDecimal.valueOf(EARLIEST.getEpochSecond())) < 0) {
                    problems.add(key + " '" + shorten(text) + "' is out of range" + expected);
                    return Optional.empty();
                }
                BigDecimal whole = seconds.setScale(0, java.math.RoundingMode.FLOOR);
                long nanos = seconds.subtract(whole).movePointRight(9).setScale(0, java.math.RoundingMode.DOWN)
                        .longValueExact();
                instant = Instant.ofEpochSecond(whole.longValueExact(), nanos);
            } else {
                instant = Rfc3339.parse(text).toInstant();
            }
        } catch (RuntimeException e) { // DateTimeException, ArithmeticException, NumberFormatException
            problems.add(key + " '" + shorten(text) + "' is not a time" + expected);
            return Optional.empty();
        }
        if (instant.isBefore(EARLIEST) || instant.isAfter(LATEST)) {
            problems.add(key + " '" + shorten(text) + "' is out of range" + expected);
            return Optional.empty();
        }
        return Optional.of(instant);
    }

    private static String shorten(String text) {
        String printable = text.replaceAll("\\p{Cntrl}", "?");
        return printable.length() > 64 ? printable.substring(0, 64) + "..." : printable;
    }

    /** The label filter as the canonical JSON object the {@code labels} column holds (keys sorted). */
    public String labelsJson() {
        ObjectNode node = Json.MAPPER.createObjectNode();
        labels.forEach(node::put);
        return Json.write(node);
    }
}
