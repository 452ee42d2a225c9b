package io.killkrill.receivers.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.killkrill.model.FieldError;
import io.killkrill.model.Json;

import java.io.IOException;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads an Elasticsearch bulk body: NDJSON pairs of an action line ({@code {"index":{"_index":..,"_id":..}}}) and,
 * for {@code index}, {@code create} and {@code update}, a document line. Each action is one item, in body order:
 * <ul>
 *   <li>{@code index} / {@code create}: the document mapped to the contract's log input
 *   ({@link EsDocumentMapping}); a document line that is not JSON is that item's rejection;</li>
 *   <li>{@code delete} / {@code update}: refused per item (KillKrill only appends); the update's line is skipped.</li>
 * </ul>
 * An action line that is not a one-field JSON object of a known action, an {@code _index}/{@code _id} that is not
 * a string, or an action without its document line breaks the pairing of everything after it: the body is
 * malformed as a whole (400), as Elasticsearch answers it.
 */
final class EsBulkDecoder implements BodyDecoder {
    /** The action names of the bulk API. */
    static final List<String> ACTIONS = List.of("create", "delete", "index", "update");

    /** One action of a bulk body and the item it became. */
    record Action(String name, Optional<String> index, Optional<String> id, IngestItem item) {
        /** index and create store a document; delete and update are refused. */
        boolean supported() {
            return name.equals("index") || name.equals("create");
        }
    }

    /** The items of a bulk body, with the actions the answer echoes (name, {@code _index}). */
    static final class Request extends AbstractList<IngestItem> {
        private final List<Action> actions;

        Request(List<Action> actions) {
            this.actions = List.copyOf(actions);
        }

        List<Action> actions() {
            return actions;
        }

        @Override
        public IngestItem get(int index) {
            return actions.get(index).item();
        }

        @Override
        public int size() {
            return actions.size();
        }
    }

    private final Optional<String> pathIndex;

    private EsBulkDecoder(Optional<String> pathIndex) {
        this.pathIndex = pathIndex;
    }

    /** The decoder of {@code /_bulk}; {@link #forTarget} gives the one of {@code /<index>/_bulk}. */
    static EsBulkDecoder anyIndex() {
        return new EsBulkDecoder(Optional.empty());
    }

    /** This decoder with the default index of a request target ({@code /<index>/_bulk}). */
    EsBulkDecoder forTarget(String uri) {
        return new EsBulkDecoder(Route.bulkIndexOf(Route.pathOf(uri)));
    }

    @Override
    public List<IngestItem> decode(byte[] body, int maxItems) throws MalformedBodyException, BodyTooLargeException {
        Pairing pairing = new Pairing(body, maxItems);
        JsonBodyParser.lines(body, pairing);
        return pairing.finish();
    }

    /** Pairs each action line with the document line that follows it, line by line. */
    private final class Pairing implements JsonBodyParser.LineVisitor {
        private final byte[] body;
        private final int maxItems;
        private final List<Action> actions = new ArrayList<>();
        /** An index or create action whose document line comes next. */
        private Action awaiting;
        /** An update action whose (ignored) document line comes next. */
        private boolean skipNext;

        Pairing(byte[] body, int maxItems) {
            this.body = body;
            this.maxItems = maxItems;
        }

        @Override
        public void line(int offset, int length, int lineNumber) throws MalformedBodyException, BodyTooLargeException {
            if (skipNext) {
                skipNext = false;
            } else if (awaiting != null) {
                actions.add(new Action(awaiting.name(), awaiting.index(), awaiting.id(),
                        document(JsonBodyParser.line(body, offset, length, lineNumber), awaiting)));
                awaiting = null;
            } else {
                if (actions.size() >= maxItems) {
                    throw new BodyTooLargeException("the body holds more than " + maxItems
                            + " actions, at most " + maxItems + " are allowed per request");
                }
                Action action = action(body, offset, length, lineNumber);
                if (action.supported()) {
                    awaiting = action;
                } else {
                    skipNext = action.name().equals("update");
                    actions.add(action);
                }
            }
        }

        Request finish() throws MalformedBodyException {
            if (awaiting != null || skipNext) {
                throw new MalformedBodyException("the last action (" + (awaiting != null ? awaiting.name()
                        : "update") + ") has no document line; the bulk body must end with a document line and "
                        + "a newline");
            }
            return new Request(actions);
        }
    }

    private Action action(byte[] body, int offset, int length, int lineNumber) throws MalformedBodyException {
        JsonNode node;
        try (JsonParser parser = Json.MAPPER.getFactory().createParser(body, offset, length)) {
            node = Json.MAPPER.readTree(parser);
            if (parser.nextToken() != null) {
                throw malformed(lineNumber, "it holds more than one JSON value");
            }
        } catch (JsonProcessingException e) {
            throw malformed(lineNumber, "it is not valid JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw malformed(lineNumber, "it cannot be read (" + e.getMessage() + ")");
        }
        if (node == null || !node.isObject() || node.size() != 1) {
            throw malformed(lineNumber, "expected an object with one field, one of " + ACTIONS);
        }
        Map.Entry<String, JsonNode> only = node.fields().next();
        String name = only.getKey();
        if (!ACTIONS.contains(name)) {
            throw malformed(lineNumber, "expected one of " + ACTIONS + " but found [" + abbreviate(name) + "]");
        }
        JsonNode metadata = only.getValue();
        if (!metadata.isObject()) {
            throw malformed(lineNumber, "the value of [" + name + "] must be an object");
        }
        Optional<String> index = text(metadata, "_index", lineNumber).or(() -> pathIndex);
        Optional<String> id = text(metadata, "_id", lineNumber);
        IngestItem refusal = new IngestItem.Unreadable(List.of(new FieldError("", "the " + name
                + " action is not supported: KillKrill only appends log events (index and create)")));
        return new Action(name, index, id, refusal);
    }

    private static IngestItem document(IngestItem line, Action action) {
        if (line instanceof IngestItem.Parsed parsed && parsed.node() instanceof ObjectNode document) {
            return new IngestItem.Parsed(EsDocumentMapping.toLogInput(document, action.index(), action.id()));
        }
        return line; // not JSON, or not an object: the contract or the line's reason refuses it
    }

    private static Optional<String> text(JsonNode metadata, String field, int lineNumber)
            throws MalformedBodyException {
        JsonNode value = metadata.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isTextual()) {
            throw malformed(lineNumber, "[" + field + "] must be a string");
        }
        return Optional.of(value.textValue());
    }

    private static MalformedBodyException malformed(int lineNumber, String why) {
        return new MalformedBodyException("malformed action/metadata line [" + lineNumber + "]: " + why);
    }

    private static String abbreviate(String text) {
        return text.length() > 64 ? text.substring(0, 64) + "..." : text;
    }
}
