package io.killkrill.receivers.syslog;

import io.killkrill.model.DeadLetterReason;
import io.killkrill.model.EventIds;
import io.killkrill.model.IngestContext;
import io.killkrill.model.Level;
import io.killkrill.model.LogEvent;
import io.killkrill.model.LogEventCodec;
import io.killkrill.model.LogEventFields;
import io.killkrill.model.Rfc3339;
import io.killkrill.model.Source;
import io.killkrill.model.SyslogMetadata;
import io.killkrill.model.Validated;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns one syslog message (the bytes of one frame or datagram) into a validated {@link LogEvent}, or a
 * rejection naming the reason. A pure function: it never throws on any input.
 *
 * <ul>
 *   <li>RFC 5424 when the PRI is followed by a version digit and a space; RFC 3164 otherwise.</li>
 *   <li>PRI gives facility and level ({@link Level#fromSyslogSeverity}); HOSTNAME gives host.</li>
 *   <li>APP-NAME (5424) or TAG (3164) gives service, with characters outside {@code [A-Za-z0-9._-]} replaced
 *       by {@code _} and cut to 64; without one the service is {@value #UNKNOWN_SERVICE}.</li>
 *   <li>5424 timestamps keep their offset; 3164 timestamps have neither year nor zone: they are read as UTC in
 *       the current year, or the previous one if that would put them more than a day in the future.</li>
 *   <li>STRUCTURED-DATA params become attributes named {@code sdid.param}.</li>
 *   <li>Bytes that are not UTF-8 are replaced by U+FFFD.</li>
 * </ul>
 */
public final class SyslogParser {
    public static final String UNKNOWN_SERVICE = "unknown";
    private static final String[] MONTHS = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
            "Nov", "Dec"};

    private SyslogParser() {
    }

    /** A message that does not follow the syslog grammar. */
    private static final class Malformed extends Exception {
        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    public static SyslogParse parse(byte[] raw, String peer, Instant receivedAt) {
        try {
            return parseOrThrow(raw, peer, receivedAt);
        } catch (Malformed e) {
            return new SyslogParse.Rejected(DeadLetterReason.SYSLOG_PARSE_ERROR, e.getMessage(), raw);
        } catch (RuntimeException e) {
            // not expected (the fuzz test hunts for these), but an input must never be lost to a bug
            return new SyslogParse.Rejected(DeadLetterReason.SYSLOG_PARSE_ERROR,
                    "unparseable: " + e.getClass().getSimpleName() + ": " + e.getMessage(), raw);
        }
    }

    private static SyslogParse parseOrThrow(byte[] raw, String peer, Instant receivedAt) throws Malformed {
        String text = new String(raw, StandardCharsets.UTF_8);
        Cursor c = new Cursor(text);
        int pri = pri(c);
        int facility = pri / 8;
        int severity = pri % 8;
        Header header;
        if (c.pos + 1 < text.length() && text.charAt(c.pos) >= '1' && text.charAt(c.pos) <= '9'
                && versionFollows(text, c.pos)) {
            header = rfc5424(c);
        } else {
            header = rfc3164(c, receivedAt);
        }
        SyslogMetadata metadata = new SyslogMetadata(header.format, facility, severity, header.appName,
                header.procId, header.msgId);
        LogEventFields fields = new LogEventFields()
                .message(header.message)
                .service(service(header.appName))
                .level(Level.fromSyslogSeverity(severity));
        header.timestamp.ifPresent(fields::timestamp);
        header.host.ifPresent(fields::host);
        if (!header.attributes.isEmpty()) {
            fields.attributes(header.attributes);
        }
        IngestContext context = new IngestContext(EventIds.next(), receivedAt, Source.syslog(peer),
                Optional.of(metadata));
        Validated<LogEvent> event = LogEventCodec.fromFields(fields, context);
        if (event instanceof Validated.Valid<LogEvent> valid) {
            return new SyslogParse.Parsed(valid.value());
        }
        return new SyslogParse.Rejected(DeadLetterReason.INVALID_EVENT,
                ((Validated.Invalid<LogEvent>) event).summary(), raw);
    }

    private record Header(String format, Optional<OffsetDateTime> timestamp, Optional<String> host,
                          Optional<String> appName, Optional<String> procId, Optional<String> msgId,
                          Map<String, String> attributes, String message) {
    }

    private static final class Cursor {
        final String text;
        int pos;

        Cursor(String text) {
            this.text = text;
        }

        boolean atEnd() {
            return pos >= text.length();
        }

        char peek() {
            return text.charAt(pos);
        }

        /** The next token up to a space (or the end); the space itself is consumed. */
        String token(String field) throws Malformed {
            if (atEnd()) {
                throw new Malformed("the message ends before " + field);
            }
            int end = text.indexOf(' ', pos);
            if (end < 0) {
                end = text.length();
            }
            String token = text.substring(pos, end);
            if (token.isEmpty()) {
                throw new Malformed(field + " is empty at offset " + pos + " (two spaces in the header?)");
            }
            pos = Math.min(end + 1, text.length());
            return token;
        }

        String rest() {
            return atEnd() ? "" : text.substring(pos);
        }
    }

    private static int pri(Cursor c) throws Malformed {
        String text = c.text;
        if (text.isEmpty() || text.charAt(0) != '<') {
            throw new Malformed("the message does not start with a <PRI> such as <13>");
        }
        int end = text.indexOf('>');
        if (end < 2 || end > 4) {
            throw new Malformed("PRI must be '<' 1 to 3 digits '>'");
        }
        int value = 0;
        for (int i = 1; i < end; i++) {
            char ch = text.charAt(i);
            if (ch < '0' || ch > '9') {
                throw new Malformed("PRI must be '<' 1 to 3 digits '>', found '" + ch + "'");
            }
            value = value * 10 + (ch - '0');
        }
        if (value > 191) {
            throw new Malformed("PRI must be 0 to 191, got " + value);
        }
        c.pos = end + 1;
        return value;
    }

    private static boolean versionFollows(String text, int pos) {
        int i = pos;
        while (i < text.length() && i - pos < 3 && Character.isDigit(text.charAt(i)) && text.charAt(i) <= '9') {
            i++;
        }
        return i > pos && i < text.length() && text.charAt(i) == ' ';
    }

    private static Header rfc5424(Cursor c) throws Malformed {
        String version = c.token("VERSION");
        if (!version.equals("1")) {
            throw new Malformed("unsupported syslog VERSION " + version + " (only 1 is defined)");
        }
        String timestampText = c.token("TIMESTAMP");
        Optional<OffsetDateTime> timestamp = Optional.empty();
        if (!timestampText.equals("-")) {
            try {
                timestamp = Optional.of(Rfc3339.parse(timestampText));
            } catch (DateTimeParseException e) {
                throw new Malformed("TIMESTAMP '" + abbreviate(timestampText) + "' is not an RFC 3339 date-time");
            }
        }
        Optional<String> host = nil(c.token("HOSTNAME"));
        Optional<String> appName = nil(c.token("APP-NAME"));
        Optional<String> procId = nil(c.token("PROCID"));
        Optional<String> msgId = nil(c.token("MSGID"));
        Map<String, String> attributes = structuredData(c);
        String message = c.rest();
        if (message.startsWith("\uFEFF")) {
            message = message.substring(1);
        }
        return new Header(SyslogMetadata.RFC5424, timestamp, host, appName, procId, msgId, attributes, message);
    }

    private static Map<String, String> structuredData(Cursor c) throws Malformed {
        Map<String, String> attributes = new LinkedHashMap<>();
        if (c.atEnd()) {
            throw new Malformed("the message ends before STRUCTURED-DATA");
        }
        if (c.peek() == '-') {
            c.pos++;
            expectSpaceOrEnd(c);
            return attributes;
        }
        if (c.peek() != '[') {
            throw new Malformed("STRUCTURED-DATA must be '-' or start with '[' at offset " + c.pos);
        }
        while (!c.atEnd() && c.peek() == '[') {
            c.pos++;
            String sdId = sdName(c, "SD-ID");
            while (true) {
                if (c.atEnd()) {
                    throw new Malformed("unterminated SD-ELEMENT [" + abbreviate(sdId));
                }
                char ch = c.peek();
                if (ch == ']') {
                    c.pos++;
                    break;
                }
                if (ch != ' ') {
                    throw new Malformed("expected ' ' or ']' in SD-ELEMENT " + abbreviate(sdId) + " at offset " + c.pos);
                }
                c.pos++;
                String name = sdName(c, "PARAM-NAME");
                if (c.atEnd() || c.peek() != '=') {
                    throw new Malformed("expected '=' after PARAM-NAME " + abbreviate(name));
                }
                c.pos++;
                if (c.atEnd() || c.peek() != '"') {
                    throw new Malformed("expected '\"' to open the value of " + abbreviate(name));
                }
                c.pos++;
                StringBuilder value = new StringBuilder();
                boolean closed = false;
                while (!c.atEnd()) {
                    char v = c.text.charAt(c.pos++);
                    if (v == '\\' && !c.atEnd() && "\"\\]".indexOf(c.peek()) >= 0) {
                        value.append(c.text.charAt(c.pos++));
                    } else if (v == '"') {
                        closed = true;
                        break;
                    } else {
                        value.append(v);
                    }
                }
                if (!closed) {
                    throw new Malformed("unterminated value of PARAM-NAME " + abbreviate(name));
                }
                attributes.put(sdId + "." + name, value.toString());
            }
        }
        expectSpaceOrEnd(c);
        return attributes;
    }

    private static String sdName(Cursor c, String what) throws Malformed {
        int start = c.pos;
        while (!c.atEnd()) {
            char ch = c.peek();
            if (ch == '=' || ch == ' ' || ch == ']' || ch == '"' || ch < 33 || ch > 126) {
                break;
            }
            c.pos++;
        }
        if (c.pos == start || c.pos - start > 32) {
            throw new Malformed(what + " must be 1 to 32 printable characters at offset " + start);
        }
        return c.text.substring(start, c.pos);
    }

    private static void expectSpaceOrEnd(Cursor c) throws Malformed {
        if (!c.atEnd()) {
            if (c.peek() != ' ') {
                throw new Malformed("expected a space after STRUCTURED-DATA at offset " + c.pos);
            }
            c.pos++;
        }
    }

    private static Header rfc3164(Cursor c, Instant receivedAt) throws Malformed {
        Optional<OffsetDateTime> timestamp = bsdTimestamp(c, receivedAt);
        if (timestamp.isEmpty()) {
            int save = c.pos;
            String token = c.atEnd() ? "" : c.token("TIMESTAMP");
            try {
                timestamp = Optional.of(Rfc3339.parse(token));
            } catch (DateTimeParseException e) {
                c.pos = save;
                throw new Malformed("neither RFC 5424 (VERSION after PRI) nor RFC 3164 (a 'Mmm dd hh:mm:ss' "
                        + "TIMESTAMP after PRI)");
            }
        }
        Optional<String> host = Optional.empty();
        String rest = c.rest();
        int space = rest.indexOf(' ');
        String first = space < 0 ? rest : rest.substring(0, space);
        if (!first.isEmpty() && !looksLikeTag(first) && space > 0) {
            host = Optional.of(first);
            c.pos += space + 1;
            rest = c.rest();
        }
        Optional<String> tag = Optional.empty();
        Optional<String> procId = Optional.empty();
        String message = rest;
        int end = 0;
        while (end < rest.length() && end < 64 && rest.charAt(end) != ':' && rest.charAt(end) != '['
                && rest.charAt(end) != ' ') {
            end++;
        }
        if (end > 0 && end < rest.length()) {
            char stop = rest.charAt(end);
            if (stop == ':') {
                tag = Optional.of(rest.substring(0, end));
                message = rest.substring(end + 1);
            } else if (stop == '[') {
                int close = rest.indexOf(']', end);
                if (close > end) {
                    tag = Optional.of(rest.substring(0, end));
                    procId = Optional.of(rest.substring(end + 1, close)).filter(p -> !p.isEmpty());
                    int after = close + 1;
                    if (after < rest.length() && rest.charAt(after) == ':') {
                        after++;
                    }
                    message = rest.substring(after);
                }
            }
            if (tag.isPresent() && message.startsWith(" ")) {
                message = message.substring(1);
            }
        }
        return new Header(SyslogMetadata.RFC3164, timestamp, host, tag, procId, Optional.empty(), Map.of(),
                message);
    }

    private static boolean looksLikeTag(String token) {
        return token.endsWith(":") || token.indexOf('[') > 0 && (token.endsWith("]:") || token.endsWith("]"));
    }

    /** "Mmm dd hh:mm:ss " (day space-padded), read as UTC in the current year or, if that is over a day ahead, the last. */
    private static Optional<OffsetDateTime> bsdTimestamp(Cursor c, Instant receivedAt) throws Malformed {
        String text = c.text;
        int p = c.pos;
        if (text.length() - p < 15) {
            return Optional.empty();
        }
        int month = -1;
        for (int i = 0; i < MONTHS.length; i++) {
            if (text.startsWith(MONTHS[i], p)) {
                month = i + 1;
            }
        }
        if (month < 0 || text.charAt(p + 3) != ' ' || text.charAt(p + 9) != ':' || text.charAt(p + 12) != ':') {
            return Optional.empty();
        }
        int day = twoDigits(text.charAt(p + 4) == ' ' ? '0' : text.charAt(p + 4), text.charAt(p + 5));
        int hour = twoDigits(text.charAt(p + 7), text.charAt(p + 8));
        int minute = twoDigits(text.charAt(p + 10), text.charAt(p + 11));
        int second = twoDigits(text.charAt(p + 13), text.charAt(p + 14));
        if (text.charAt(p + 6) != ' ' || day < 0 || hour < 0 || minute < 0 || second < 0) {
            throw new Malformed("RFC 3164 TIMESTAMP must be 'Mmm dd hh:mm:ss'");
        }
        c.pos = p + 15;
        if (!c.atEnd()) {
            if (c.peek() != ' ') {
                throw new Malformed("expected a space after the RFC 3164 TIMESTAMP");
            }
            c.pos++;
        }
        OffsetDateTime now = receivedAt.atOffset(ZoneOffset.UTC);
        for (int year : List.of(now.getYear(), now.getYear() - 1)) {
            try {
                OffsetDateTime candidate = LocalDateTime.of(year, month, day, hour, minute, second)
                        .atOffset(ZoneOffset.UTC);
                if (!candidate.isAfter(now.plusDays(1))) {
                    return Optional.of(candidate);
                }
            } catch (DateTimeException e) {
                // Feb 29 in a year without it, or 31 in a short month: try the other year, then give up
            }
        }
        throw new Malformed("RFC 3164 TIMESTAMP '" + text.substring(p, p + 15) + "' is not a date");
    }

    private static int twoDigits(char a, char b) {
        if (a < '0' || a > '9' || b < '0' || b > '9') {
            return -1;
        }
        return (a - '0') * 10 + (b - '0');
    }

    private static Optional<String> nil(String token) {
        return token.equals("-") ? Optional.empty() : Optional.of(token);
    }

    /** The service for an APP-NAME or TAG: the service rule's characters only, at most 64, else "unknown". */
    public static String service(Optional<String> appName) {
        if (appName.isEmpty()) {
            return UNKNOWN_SERVICE;
        }
        StringBuilder out = new StringBuilder();
        String name = appName.get();
        for (int i = 0; i < name.length() && out.length() < 64; i++) {
            char ch = name.charAt(i);
            boolean allowed = ch >= 'A' && ch <= 'Z' || ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9'
                    || ch == '.' || ch == '_' || ch == '-';
            out.append(allowed ? ch : '_');
        }
        return out.length() == 0 ? UNKNOWN_SERVICE : out.toString();
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 37) + "...";
    }
}
