package io.killkrill.model;

import java.time.OffsetDateTime;
import java.util.Collections;
import java.util.Map;

/**
 * The fields of a log event as a receiver parsed them from its own wire format (a syslog message), typed, for
 * {@link LogEventCodec#fromFields}: validated by the same rules, with the same errors, as the JSON item with
 * these fields, without writing and re-reading JSON. A field never set is absent. Not thread-safe; one event's.
 */
public final class LogEventFields {
    private final FieldSlots slots = new FieldSlots(LogEventCodec.FIELDS);

    public LogEventFields message(String message) {
        slots.set("message", message);
        return this;
    }

    public LogEventFields service(String service) {
        slots.set("service", service);
        return this;
    }

    public LogEventFields level(Level level) {
        slots.set("level", level);
        return this;
    }

    /** The event time as the receiver parsed it: held to the contract's range, kept with its offset. */
    public LogEventFields timestamp(OffsetDateTime timestamp) {
        slots.set("timestamp", timestamp);
        return this;
    }

    public LogEventFields host(String host) {
        slots.set("host", host);
        return this;
    }

    /** String attributes, in the order given (the limits on count, key and value lengths apply). */
    public LogEventFields attributes(Map<String, String> attributes) {
        slots.set("attributes", Collections.<String, Object>unmodifiableMap(attributes));
        return this;
    }

    JsonFields slots() {
        return slots;
    }
}
