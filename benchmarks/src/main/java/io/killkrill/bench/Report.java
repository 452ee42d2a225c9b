package io.killkrill.bench;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/** The figures of one run: a table for people and the same figures as JSON for tools. */
final class Report {
    private record Row(String figure, String value, String target) {
    }

    final ObjectNode json = Elasticsearch.JSON.createObjectNode();
    private final List<Row> rows = new ArrayList<>();

    void row(String figure, String value, String target) {
        rows.add(new Row(figure, value, target));
    }

    /**
     * {@code perSecond} as a multiple of each measured reference, in their order: {@code "0.68x one Redis, 1.10x acks
     * 0"}; a reference that is NaN (its phase did not run) or not positive is left out, none gives "".
     */
    static String multiples(double perSecond, Map<String, Double> references) {
        StringJoiner out = new StringJoiner(", ");
        references.forEach((what, reference) -> {
            if (reference != null && reference > 0 && !reference.isNaN() && !reference.isInfinite()) {
                out.add(String.format(Locale.ROOT, "%.2fx %s", perSecond / reference, what));
            }
        });
        return out.toString();
    }

    ObjectNode section(String name) {
        return json.has(name) ? (ObjectNode) json.get(name) : json.putObject(name);
    }

    String table() {
        int w1 = "figure".length();
        int w2 = "value".length();
        for (Row r : rows) {
            w1 = Math.max(w1, r.figure.length());
            w2 = Math.max(w2, r.value.length());
        }
        StringBuilder out = new StringBuilder();
        out.append(String.format("| %-" + w1 + "s | %-" + w2 + "s | %s |%n", "figure", "value", "target"));
        out.append("|").append("-".repeat(w1 + 2)).append("|").append("-".repeat(w2 + 2)).append("|---|\n");
        for (Row r : rows) {
            out.append(String.format("| %-" + w1 + "s | %-" + w2 + "s | %s |%n", r.figure, r.value, r.target));
        }
        return out.toString();
    }

    void write(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, Elasticsearch.JSON.copy().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(json) + "\n");
    }
}
