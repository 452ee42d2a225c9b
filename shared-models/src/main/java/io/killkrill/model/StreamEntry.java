package io.killkrill.model;

/**
 * Field names of a Redis stream entry written by KillKrill. Every entry carries the event as JSON in
 * {@value #DATA} and the contract version in {@value #SCHEMA_VERSION}; {@value #EVENT_ID} repeats the
 * event ID so tools can find an entry without parsing JSON.
 */
public final class StreamEntry {
    public static final String DATA = "data";
    public static final String SCHEMA_VERSION = "schema_version";
    public static final String EVENT_ID = "event_id";
    /**
     * Where the entry counts in the audit ({@link AuditSlot#wire()}: {@code <epoch minute> <service>}), outside
     * {@code data} so that the audit reads it inside Redis without loading the entry, however large.
     */
    public static final String AUDIT = "audit";
    /** The schema version this build writes and the only one it reads. */
    public static final String CURRENT_SCHEMA_VERSION = "1";

    private StreamEntry() {
    }
}
