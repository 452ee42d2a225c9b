package io.killkrill.model;

import java.util.Objects;
import java.util.Optional;

/**
 * The syslog header fields that do not map onto a {@link LogEvent} field of their own.
 *
 * @param format   {@code rfc5424} or {@code rfc3164}
 * @param facility 0..23, from PRI
 * @param severity 0..7, from PRI
 * @param appName  APP-NAME (RFC 5424) or TAG (RFC 3164)
 * @param procId   PROCID, or the bracketed pid after an RFC 3164 TAG
 * @param msgId    MSGID (RFC 5424 only)
 */
public record SyslogMetadata(String format, int facility, int severity,
                             Optional<String> appName, Optional<String> procId, Optional<String> msgId) {
    public static final String RFC5424 = "rfc5424";
    public static final String RFC3164 = "rfc3164";

    public SyslogMetadata {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(appName, "appName");
        Objects.requireNonNull(procId, "procId");
        Objects.requireNonNull(msgId, "msgId");
        if (facility < 0 || facility > 23) {
            throw new IllegalArgumentException("facility must be 0..23, got " + facility);
        }
        if (severity < 0 || severity > 7) {
            throw new IllegalArgumentException("severity must be 0..7, got " + severity);
        }
    }
}
