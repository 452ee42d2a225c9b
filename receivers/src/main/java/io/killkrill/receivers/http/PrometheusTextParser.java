package io.killkrill.receivers.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.killkrill.model.FieldError;
import io.killkrill.model.Json;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads the Prometheus text exposition format (version 0.0.4) into metric sample items, one per sample line,
 * so an exporter's page can be pushed as it is. A sample's type comes from its family's {@code # TYPE}:
 * counter, and the cumulative series of histograms and summaries ({@code _bucket}, {@code _sum}, {@code _count}),
 * become counters; everything else a gauge. A sample without a timestamp takes the time received. A line that
 * cannot be read (a value that is not a decimal float, NaN or ±Inf; a label given twice; ...) is that sample's
 * rejection, naming the line.
 */
final class PrometheusTextParser {
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    private static final Pattern TIMESTAMP = Pattern.compile("-?\\d{1,19}");

    private PrometheusTextParser() {
    }

    static List<IngestItem> parse(byte[] body, int maxItems) throws BodyTooLargeException {
        String text = new String(body, StandardCharsets.UTF_8);
        Map<String, String> types = new HashMap<>();
        List<IngestItem> items = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("#")) {
                String[] parts = line.split("\\s+", 4);
                if (parts.length >= 4 && parts[1].equals("TYPE")) {
                    types.put(parts[2], parts[3].toLowerCase(Locale.ROOT));
                }
                continue;
            }
            if (items.size() >= maxItems) {
                throw new BodyTooLargeException("the body holds more than " + maxItems
                        + " samples, at most " + maxItems + " are allowed per request");
            }
            items.add(sample(line, i + 1, types));
        }
        return items;
    }

    private static IngestItem sample(String line, int lineNumber, Map<String, String> types) {
        int pos = 0;
        while (pos < line.length() && nameChar(line.charAt(pos), pos == 0)) {
            pos++;
        }
        if (pos == 0) {
            return error(lineNumber, "expected a metric name at column 1");
        }
        String name = line.substring(0, pos);
        ObjectNode sample = Json.MAPPER.createObjectNode();
        sample.put("name", name);
        ObjectNode labels = sample.putObject("labels");
        if (pos < line.length() && line.charAt(pos) == '{') {
            pos++;
            while (true) {
                pos = skipSpaces(line, pos);
                if (pos < line.length() && line.charAt(pos) == '}') {
                    pos++;
                    break;
                }
                int nameStart = pos;
                while (pos < line.length() && nameChar(line.charAt(pos), pos == nameStart)
                        && line.charAt(pos) != ':') {
                    pos++;
                }
                if (pos == nameStart) {
                    return error(lineNumber, "expected a label name at column " + (pos + 1));
                }
                String label = line.substring(nameStart, pos);
                if (labels.has(label)) {
                    return error(lineNumber, "label " + label + " appears twice");
                }
                pos = skipSpaces(line, pos);
                if (pos >= line.length() || line.charAt(pos) != '=') {
                    return error(lineNumber, "expected '=' after label " + label + " at column " + (pos + 1));
                }
                pos = skipSpaces(line, pos + 1);
                if (pos >= line.length() || line.charAt(pos) != '"') {
                    return error(lineNumber, "expected a quoted value for label " + label + " at column " + (pos + 1));
                }
                pos++;
                StringBuilder value = new StringBuilder();
                boolean closed = false;
                while (pos < line.length()) {
                    char c = line.charAt(pos++);
                    if (c == '\\' && pos < line.length()) {
                        char e = line.charAt(pos++);
                        value.append(e == 'n' ? '\n' : e);
                    } else if (c == '"') {
                        closed = true;
                        break;
                    } else {
                        value.append(c);
                    }
                }
                if (!closed) {
                    return error(lineNumber, "unterminated value of label " + label);
                }
                labels.put(label, value.toString());
                pos = skipSpaces(line, pos);
                if (pos < line.length() && line.charAt(pos) == ',') {
                    pos++;
                }
            }
        }
        String[] rest = line.substring(pos).strip().split("\\s+");
        if (rest.length < 1 || rest[0].isEmpty() || rest.length > 2) {
            return error(lineNumber, "expected 'value [timestamp]' after the metric name and labels");
        }
        Double value = number(rest[0]);
        if (value == null) {
            return error(lineNumber, "'" + rest[0] + "' is not a number (a decimal float, NaN, +Inf or -Inf)");
        }
        sample.put("value", value);
        if (rest.length == 2) {
            try {
                if (!TIMESTAMP.matcher(rest[1]).matches()) {
                    throw new NumberFormatException();
                }
                sample.put("timestamp", Long.parseLong(rest[1]));
            } catch (NumberFormatException e) {
                return error(lineNumber, "timestamp '" + rest[1] + "' is not an integer of epoch milliseconds");
            }
        }
        sample.put("type", type(name, types));
        return new IngestItem.Parsed(sample);
    }

    private static String type(String name, Map<String, String> types) {
        String family = types.get(name);
        if (family != null) {
            return family.equals("counter") ? "counter" : "gauge";
        }
        for (String suffix : List.of("_bucket", "_sum", "_count", "_total")) {
            if (name.endsWith(suffix)) {
                String base = types.get(name.substring(0, name.length() - suffix.length()));
                if (base != null && (base.equals("counter") || base.equals("histogram") || base.equals("summary"))) {
                    return "counter";
                }
            }
        }
        return "gauge";
    }

    /**
     * A sample value. Not {@link Double#parseDouble} alone: it also takes Java literals that are no Prometheus
     * value and would be stored as a silently different number ({@code 1d} and {@code 1f} as 1, hex floats such
     * as {@code 0x1p3} as 8, {@code Infinity}).
     */
    private static Double number(String text) {
        switch (text) {
            case "NaN":
                return Double.NaN;
            case "+Inf", "Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            default:
                if (!DECIMAL.matcher(text).matches()) {
                    return null;
                }
                try {
                    return Double.parseDouble(text);
                } catch (NumberFormatException e) {
                    return null;
                }
        }
    }

    private static boolean nameChar(char c, boolean first) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':' || !first && c >= '0' && c <= '9';
    }

    private static int skipSpaces(String line, int pos) {
        while (pos < line.length() && (line.charAt(pos) == ' ' || line.charAt(pos) == '\t')) {
            pos++;
        }
        return pos;
    }

    private static IngestItem error(int lineNumber, String reason) {
        return new IngestItem.Unreadable(List.of(new FieldError("line " + lineNumber, reason)));
    }
}
