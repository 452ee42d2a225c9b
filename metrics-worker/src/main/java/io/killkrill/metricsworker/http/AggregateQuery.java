package io.killkrill.metricsworker.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.killkrill.config.SettingType;
import io.killkrill.model.Json;
import io.killkrill.model.MetricSampleCodec;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The parameters of {@code GET /api/v1/aggregates}, validated: {@code name} (required), {@code labels}
 * ({@code k=v,k=v} or a JSON object; rows whose label set contains every pair), {@code from} / {@code to}
 * (RFC 3339 or epoch seconds; window start in [from, to); default the last 24 hours), {@code window} (a size
 * such as 60s or 1h).
 */
public record AggregateQuery(String name, SortedMap<String, String> labels, Instant from, Instant to,
                             Optional<Integer> windowSeconds) {
    private static final SettingType<Duration> WINDOW = SettingType.duration(Duration.ofSeconds(1),
            Duration.ofDays(7));

    /** The query, or every problem with the parameters. */
    public static Either parse(Map<String, String> params, Instant now) {
        List<String> problems = new ArrayList<>();
        String name = params.getOrDefault("name", "");
        if (name.isEmpty()) {
            problems.add("name is required");
        } else if (!MetricSampleCodec.METRIC_NAME.matcher(name).matches()) {
            problems.add("name must match [a-zA-Z_:][a-zA-Z0-9_:]*");
        }
        SortedMap<String, String> labels = new TreeMap<>();
        String labelText = params.getOrDefault("labels", "").trim();
        if (!labelText.isEmpty()) {
            parseLabels(labelText, labels, problems);
        }
        Instant from = time(params, "from", now.minus(Duration.ofDays(1)), problems);
        Instant to = time(params, "to", now.plus(Duration.ofDays(1)), problems);
        if (!from.isBefore(to)) {
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
            } catch (IllegalArgumentException e) {
                problems.add("window '" + windowText + "' " + e.getMessage() + ": expected " + WINDOW.expects());
            }
        }
        if (!problems.isEmpty()) {
            return new Either(Optional.empty(), problems);
        }
        return new Either(Optional.of(new AggregateQuery(name, labels, from, to, window)), List.of());
    }

    /** A parsed query or the problems found. */
    public record Either(Optional<AggregateQuery> query, List<String> problems) {
    }

    private static void parseLabels(String text, SortedMap<String, String> labels, List<String> problems) {
        if (text.startsWith("{")) {
            try {
                JsonNode node = Json.MAPPER.readTree(text);
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (!e.getValue().isTextual()) {
                        problems.add("labels." + e.getKey() + " must be a string");
                    } else {
                        labels.put(e.getKey(), e.getValue().textValue());
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
                problems.add("labels must be k=v,k=v or a JSON object; '" + pair + "' has no name=value");
                continue;
            }
            String key = pair.substring(0, eq).trim();
            if (!MetricSampleCodec.LABEL_NAME.matcher(key).matches()) {
                problems.add("label name '" + key + "' must match [a-zA-Z_][a-zA-Z0-9_]*");
            }
            labels.put(key, pair.substring(eq + 1).trim());
        }
    }

    private static Instant time(Map<String, String> params, String key, Instant fallback, List<String> problems) {
        String text = params.getOrDefault(key, "").trim();
        if (text.isEmpty()) {
            return fallback;
        }
        try {
            if (text.matches("-?\\d+(\\.\\d+)?")) {
                return Instant.ofEpochMilli((long) (Double.parseDouble(text) * 1000));
            }
            return Instant.parse(text);
        } catch (DateTimeParseException | ArithmeticException e) {
            problems.add(key + " '" + text + "' must be RFC 3339 (2024-01-01T00:00:00Z) or epoch seconds");
            return fallback;
        }
    }

    /** Whether a stored label set contains every pair asked for. */
    public boolean matches(Map<String, String> rowLabels) {
        for (Map.Entry<String, String> wanted : labels.entrySet()) {
            if (!wanted.getValue().equals(rowLabels.get(wanted.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
