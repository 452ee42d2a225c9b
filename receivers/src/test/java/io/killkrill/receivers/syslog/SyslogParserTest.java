package io.killkrill.receivers.syslog;

import io.killkrill.model.DeadLetterReason;
import io.killkrill.model.Level;
import io.killkrill.model.LogEvent;
import io.killkrill.model.SyslogMetadata;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

class SyslogParserTest {
    private static final Instant NOW = Instant.parse("2026-11-25T18:00:00Z");

    private static SyslogParse parse(String text) {
        return SyslogParser.parse(text.getBytes(StandardCharsets.UTF_8), "10.0.0.1:514", NOW);
    }

    private static LogEvent event(String text) {
        SyslogParse result = parse(text);
        assertThat(result).as("parse of %s", text).isInstanceOf(SyslogParse.Parsed.class);
        return ((SyslogParse.Parsed) result).event();
    }

    @Test
    void rfc5424WithStructuredDataKeepsEveryHeaderField() {
        LogEvent event = event("<165>1 2026-11-25T17:54:51.123+02:00 web-1 my/app 4242 ID47 "
                + "[exampleSDID@32473 iut=\"3\" eventSource=\"App\\\"lication\"][meta x=\"y\\]\"] \uFEFFAn application event");

        assertThat(event.message()).isEqualTo("An application event");
        assertThat(event.service()).isEqualTo("my_app");
        assertThat(event.host()).contains("web-1");
        assertThat(event.level()).isEqualTo(Level.NOTICE);
        assertThat(event.timestamp()).isEqualTo(OffsetDateTime.parse("2026-11-25T17:54:51.123+02:00"));
        assertThat(event.timestamp().getOffset()).isEqualTo(ZoneOffset.ofHours(2));
        assertThat(event.attributes()).containsEntry("exampleSDID@32473.iut", "3")
                .containsEntry("exampleSDID@32473.eventSource", "App\"lication")
                .containsEntry("meta.x", "y]");
        SyslogMetadata syslog = event.syslog().orElseThrow();
        assertThat(syslog.format()).isEqualTo(SyslogMetadata.RFC5424);
        assertThat(syslog.facility()).isEqualTo(20);
        assertThat(syslog.severity()).isEqualTo(5);
        assertThat(syslog.appName()).contains("my/app");
        assertThat(syslog.procId()).contains("4242");
        assertThat(syslog.msgId()).contains("ID47");
        assertThat(event.source().peer()).contains("10.0.0.1:514");
    }

    @Test
    void rfc5424NilValuesFallBackToUnknownServiceAndReceiveTime() {
        LogEvent event = event("<11>1 - - - - - - hello");

        assertThat(event.service()).isEqualTo(SyslogParser.UNKNOWN_SERVICE);
        assertThat(event.host()).isEmpty();
        assertThat(event.timestamp().toInstant()).isEqualTo(NOW);
        assertThat(event.level()).isEqualTo(Level.ERROR);
    }

    @Test
    void rfc3164WithTagAndPid() {
        LogEvent event = event("<34>Oct 11 22:14:15 mymachine su[123]: 'su root' failed for lonvick on /dev/pts/8");

        assertThat(event.service()).isEqualTo("su");
        assertThat(event.host()).contains("mymachine");
        assertThat(event.message()).isEqualTo("'su root' failed for lonvick on /dev/pts/8");
        assertThat(event.level()).isEqualTo(Level.CRITICAL);
        assertThat(event.syslog().orElseThrow().procId()).contains("123");
        assertThat(event.syslog().orElseThrow().format()).isEqualTo(SyslogMetadata.RFC3164);
        assertThat(event.timestamp()).isEqualTo(OffsetDateTime.parse("2026-10-11T22:14:15Z"));
    }

    @Test
    void rfc3164TimestampMoreThanADayAheadBelongsToLastYear() {
        assertThat(event("<13>Dec 31 23:00:00 host app: m").timestamp().getYear()).isEqualTo(2025);
        assertThat(event("<13>Nov 26 12:00:00 host app: m").timestamp().getYear()).isEqualTo(2026);
        assertThat(event("<13>Nov  5 12:00:00 host app: m").timestamp().getDayOfMonth()).isEqualTo(5);
    }

    @Test
    void rfc3164WithoutHostname() {
        LogEvent event = event("<13>Nov 25 12:00:00 app: no host here");

        assertThat(event.service()).isEqualTo("app");
        assertThat(event.host()).isEmpty();
        assertThat(event.message()).isEqualTo("no host here");
    }

    @Test
    void malformedMessagesAreRejectedWithAReasonAndTheirBytes() {
        for (String text : new String[]{"no pri at all", "<999>1 - - - - - - x", "<13>garbage without timestamp",
                "<13>1 not-a-time host app - - - x", "<13>1 - host app - - [broken x"}) {
            SyslogParse result = parse(text);
            assertThat(result).as(text).isInstanceOf(SyslogParse.Rejected.class);
            SyslogParse.Rejected rejected = (SyslogParse.Rejected) result;
            assertThat(rejected.reason()).isEqualTo(DeadLetterReason.SYSLOG_PARSE_ERROR);
            assertThat(rejected.message()).isNotBlank();
            assertThat(rejected.raw()).isEqualTo(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void anEmptyMessageFailsTheContractAndIsRejectedAsInvalidEvent() {
        SyslogParse result = parse("<13>1 - host app - - -");

        assertThat(result).isInstanceOf(SyslogParse.Rejected.class);
        assertThat(((SyslogParse.Rejected) result).reason()).isEqualTo(DeadLetterReason.INVALID_EVENT);
        assertThat(((SyslogParse.Rejected) result).message()).contains("message");
    }

    @Test
    void nonUtf8BytesAreReplacedNotFatal() {
        byte[] raw = "<13>1 - host app - - - caf\u00e9 ".getBytes(StandardCharsets.ISO_8859_1);

        SyslogParse result = SyslogParser.parse(raw, "p", NOW);

        assertThat(result).isInstanceOf(SyslogParse.Parsed.class);
        assertThat(((SyslogParse.Parsed) result).event().message()).isEqualTo("caf\uFFFD ");
    }

    @Test
    void serviceSanitizing() {
        assertThat(SyslogParser.service(java.util.Optional.of("a b/c"))).isEqualTo("a_b_c");
        assertThat(SyslogParser.service(java.util.Optional.of("x".repeat(100)))).hasSize(64);
        assertThat(SyslogParser.service(java.util.Optional.empty())).isEqualTo("unknown");
    }
}
