package io.killkrill.model;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.CharArrayWriter;
import java.io.UncheckedIOException;

/** The one JSON mapper of the contract: plain trees, no reflection on records. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper();

    static {
        // strings as long as what a stream entry may hold: sizes are bounded where input arrives (body and
        // message limits), and a dead letter must stay readable whatever its original entry's size (Jackson's
        // default, 20M characters, made a dead-lettered 48 MB entry unreadable for the DeadLetterTool)
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(64)
                .maxStringLength(Integer.MAX_VALUE)
                .build());
    }

    private Json() {
    }

    /** Writes one JSON value to a generator. */
    @FunctionalInterface
    public interface Writing {
        void writeTo(JsonGenerator json) throws IOException;
    }

    /** The JSON text a {@link Writing} produces: the same text as building the tree and {@link #write(JsonNode)}. */
    public static String write(Writing writing) {
        // not a StringWriter: its StringBuffer re-checks every char for Latin-1, a quarter of the time of an event
        CharArrayWriter out = new CharArrayWriter(512);
        try (JsonGenerator json = MAPPER.getFactory().createGenerator(out)) {
            writing.writeTo(json);
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to a string cannot fail", e);
        }
        return out.toString();
    }

    public static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
    }
}
