package io.killkrill.receivers.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import io.killkrill.model.FieldError;
import io.killkrill.model.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a JSON (one object or an array of objects) or NDJSON body into items. JSON: a body that does not parse is
 * malformed as a whole (400, saying where). NDJSON: each line is an item on its own, so a line that does not parse
 * (nested too deep included) is that item's rejection, naming the line.
 */
final class JsonBodyParser {
    private JsonBodyParser() {
    }

    static List<IngestItem> json(byte[] body, int maxItems) throws MalformedBodyException, BodyTooLargeException {
        JsonNode root;
        try (JsonParser parser = Json.MAPPER.getFactory().createParser(body)) {
            root = Json.MAPPER.readTree(parser);
            if (root == null || root.isMissingNode()) {
                throw new MalformedBodyException("the body is empty: expected a JSON object or array");
            }
            if (parser.nextToken() != null) {
                throw new MalformedBodyException("unexpected content after the JSON value at " 
                        + where(parser.currentTokenLocation()) + " (send several events as an array or as NDJSON)");
            }
        } catch (StreamConstraintsException e) {
            throw new MalformedBodyException("malformed JSON: " + constraint(e));
        } catch (JsonProcessingException e) {
            throw new MalformedBodyException("malformed JSON at " + where(e.getLocation()) + ": "
                    + e.getOriginalMessage());
        } catch (IOException e) {
            throw new MalformedBodyException("the body cannot be read: " + e.getMessage());
        }
        List<IngestItem> items = new ArrayList<>();
        if (root.isArray()) {
            if (root.size() > maxItems) {
                throw new BodyTooLargeException("the body holds " + root.size() + " items, at most " + maxItems
                        + " are allowed per request");
            }
            root.forEach(node -> items.add(new IngestItem.Parsed(node)));
        } else if (root.isObject()) {
            items.add(new IngestItem.Parsed(root));
        } else {
            throw new MalformedBodyException("the body must be a JSON object or an array of objects");
        }
        return items;
    }

    /** One JSON value per line; blank lines are skipped; a line that is not JSON is an item rejected alone. */
    static List<IngestItem> ndjson(byte[] body, int maxItems) throws BodyTooLargeException {
        List<IngestItem> items = new ArrayList<>();
        try {
            lines(body, (offset, length, lineNumber) -> {
                if (items.size() >= maxItems) {
                    throw new BodyTooLargeException("the body holds more than " + maxItems
                            + " items, at most " + maxItems + " are allowed per request");
                }
                items.add(line(body, offset, length, lineNumber));
            });
        } catch (MalformedBodyException e) {
            throw new IllegalStateException("an NDJSON line is never malformed as a whole", e);
        }
        return items;
    }

    /** What to do with each non-blank line of a body: bytes {@code [offset, offset + length)}, numbered from 1. */
    @FunctionalInterface
    interface LineVisitor {
        void line(int offset, int length, int lineNumber) throws MalformedBodyException, BodyTooLargeException;
    }

    /** Visits the non-blank lines of a body (LF-separated; trailing CR, blanks and tabs not part of a line). */
    static void lines(byte[] body, LineVisitor visitor) throws MalformedBodyException, BodyTooLargeException {
        int start = 0;
        int lineNumber = 0;
        while (start <= body.length) {
            int end = start;
            while (end < body.length && body[end] != '\n') {
                end++;
            }
            lineNumber++;
            int stop = end;
            while (stop > start && (body[stop - 1] == '\r' || body[stop - 1] == ' ' || body[stop - 1] == '\t')) {
                stop--;
            }
            if (stop > start) {
                visitor.line(start, stop - start, lineNumber);
            }
            start = end + 1;
        }
    }

    /** One line of a body as an item: its JSON value, or why it is unreadable (naming the line). */
    static IngestItem line(byte[] body, int offset, int length, int lineNumber) {
        try (JsonParser parser = Json.MAPPER.getFactory().createParser(body, offset, length)) {
            JsonNode node = Json.MAPPER.readTree(parser);
            if (node == null || node.isMissingNode()) {
                return unreadable("line " + lineNumber + " holds no JSON value");
            }
            if (parser.nextToken() != null) {
                return unreadable("line " + lineNumber + " holds more than one JSON value");
            }
            return new IngestItem.Parsed(node);
        } catch (StreamConstraintsException e) {
            return unreadable("line " + lineNumber + " is not valid JSON: " + constraint(e));
        } catch (JsonProcessingException e) {
            // some errors (a constraint, an I/O error in the parser) carry no location
            JsonLocation location = e.getLocation();
            return unreadable("line " + lineNumber + " is not valid JSON"
                    + (location == null ? "" : " at column " + location.getColumnNr()) + ": "
                    + e.getOriginalMessage());
        } catch (IOException e) {
            return unreadable("line " + lineNumber + " cannot be read: " + e.getMessage());
        }
    }

    /** A read limit of the contract's mapper (nesting depth, number length) in the client's words. */
    private static String constraint(StreamConstraintsException e) {
        String message = e.getOriginalMessage();
        if (message != null && message.contains("nesting depth")) {
            return "nested deeper than the " + Json.MAPPER.getFactory().streamReadConstraints().getMaxNestingDepth()
                    + " levels allowed";
        }
        return message == null ? "a read limit was exceeded" : message.replaceAll(", from `[^`]*`", "");
    }

    private static IngestItem unreadable(String reason) {
        return new IngestItem.Unreadable(List.of(new FieldError("", reason)));
    }

    private static String where(JsonLocation location) {
        return location == null ? "an unknown position"
                : "line " + location.getLineNr() + ", column " + location.getColumnNr();
    }

    static String utf8(byte[] body) {
        return new String(body, StandardCharsets.UTF_8);
    }
}
