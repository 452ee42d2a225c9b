package io.killkrill.receivers.syslog;

import io.killkrill.model.LogEvent;
import io.killkrill.model.SyslogMetadata;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The parser at the edges of each rule: the first and last character a rule allows, the longest token it takes
 * and one more, and which header format a digit after the PRI selects.
 */
class SyslogParserEdgesTest {
    private static final Instant NOW = Instant.parse("2026-11-25T18:00:00Z");

    private static SyslogParse parse(String text) {
        return SyslogParser.parse(text.getBytes(StandardCharsets.UTF_8), "10.0.0.1:514", NOW);
    }

    private static LogEvent event(String text) {
        SyslogParse result = parse(text);
        assertThat(result).as("parse of %s", text).isInstanceOf(SyslogParse.Parsed.class);
        return ((SyslogParse.Parsed) result).event();
    }

    private static String rejection(String text) {
        SyslogParse result = parse(text);
        assertThat(result).as("parse of %s", text).isInstanceOf(SyslogParse.Rejected.class);
        return ((SyslogParse.Rejected) result).message();
    }

    @Test
    void theServiceKeepsExactlyTheRuleCharactersUpTo64AndReplacesTheOthers() {
        assertThat(SyslogParser.service(Optional.of("AZaz09._-"))).isEqualTo("AZaz09._-");
        assertThat(SyslogParser.service(Optional.of("@[`{/:"))).isEqualTo("______");
        assertThat(SyslogParser.service(Optional.of("a".repeat(64) + "b"))).isEqualTo("a".repeat(64));
        assertThat(SyslogParser.service(Optional.of(""))).isEqualTo("unknown");
        assertThat(SyslogParser.service(Optional.empty())).isEqualTo("unknown");
    }

    @Test
    void aDigitAfterThePriSelectsRfc5424OnlyWhenAtMostThreeDigitsAndASpaceFollow() {
        assertThat(rejection("<13>9 - - - - - - x")).contains("unsupported syslog VERSION 9");
        assertThat(rejection("<13>100 - - - - - - x")).contains("unsupported syslog VERSION 100");
        assertThat(rejection("<13>1000 - - - - - - x")).startsWith("neither RFC 5424");
        assertThat(rejection("<13>12")).startsWith("neither RFC 5424");
        assertThat(rejection("<13>1")).startsWith("neither RFC 5424");
        assertThat(event("<13>1 - - - - - - m").syslog().orElseThrow().format()).isEqualTo(SyslogMetadata.RFC5424);
    }

    @Test
    void aTimestampInARejectionIsQuotedWholeUpTo40CharactersAndAbbreviatedBeyond() {
        String forty = "x".repeat(40);
        assertThat(rejection("<13>1 " + forty + " - - - - - m")).contains("'" + forty + "'");
        assertThat(rejection("<13>1 " + forty + "y - - - - - m")).contains("'" + "x".repeat(37) + "...'");
    }

    @Test
    void sdNamesArePrintableAsciiFromBangToTildeAndAtMost32Long() {
        LogEvent event = event("<13>1 - - - - - [!~ " + "n".repeat(32) + "=\"v\"] m");
        assertThat(event.attributes()).containsEntry("!~." + "n".repeat(32), "v");

        assertThat(rejection("<13>1 - - - - - [id " + "n".repeat(33) + "=\"v\"] m"))
                .contains("PARAM-NAME must be 1 to 32 printable characters");
        assertThat(rejection("<13>1 - - - - - [" + "i".repeat(33) + "] m"))
                .contains("SD-ID must be 1 to 32 printable characters");
        assertThat(rejection("<13>1 - - - - - [a\u007fb] m")).contains("expected ' ' or ']'");
    }

    @Test
    void anRfc3164TimestampTakesExactly15CharactersAndEveryDigitFrom0To9() {
        assertThat(event("<13>Jan  1 00:00:09 m").timestamp()).isEqualTo(OffsetDateTime.parse("2026-01-01T00:00:09Z"));
        assertThat(rejection("<13>Jan  1 00:00:09")).as("the timestamp alone parses; only the message is missing")
                .isEqualTo("message: must not be empty");

        assertThat(event("<13>Dec 19 09:59:59 h m").timestamp())
                .as("more than a day ahead of receipt: last year").isEqualTo(OffsetDateTime.parse("2025-12-19T09:59:59Z"));
        assertThat(rejection("<13>Jan  1 00:00:0")).startsWith("neither RFC 5424");
        assertThat(rejection("<13>Jan  1 00:0/:00 m")).contains("RFC 3164 TIMESTAMP must be");
        assertThat(rejection("<13>Jan  1 00:0::00 m")).contains("RFC 3164 TIMESTAMP must be");
        assertThat(rejection("<13>Jan  1 /0:00:00 m")).contains("RFC 3164 TIMESTAMP must be");
        assertThat(rejection("<13>Jan  1 :0:00:00 m")).contains("RFC 3164 TIMESTAMP must be");
    }

    @Test
    void aFirstWordThatLooksLikeATagIsNotTheHost() {
        LogEvent tagged = event("<13>Mar  4 05:06:07 sshd[12] accepted");
        assertThat(tagged.host()).isEmpty();
        assertThat(tagged.syslog().orElseThrow().appName()).contains("sshd");
        assertThat(tagged.syslog().orElseThrow().procId()).contains("12");
        assertThat(tagged.message()).isEqualTo("accepted");

        LogEvent colon = event("<13>Mar  4 05:06:07 sshd[12]: accepted");
        assertThat(colon.host()).isEmpty();
        assertThat(colon.message()).isEqualTo("accepted");

        LogEvent bracketFirst = event("<13>Mar  4 05:06:07 [1] cron: ran");
        assertThat(bracketFirst.host()).as("a '[' at the start is no tag").contains("[1]");
        assertThat(bracketFirst.syslog().orElseThrow().appName()).contains("cron");

        LogEvent hostOnly = event("<13>Mar  4 05:06:07 web-1 plain words");
        assertThat(hostOnly.host()).contains("web-1");
        assertThat(hostOnly.syslog().orElseThrow().appName()).isEmpty();
        assertThat(hostOnly.message()).isEqualTo("plain words");
    }

    @Test
    void anEmptyProcIdIsNoneAndATagEndsWithinItsFirst64Characters() {
        LogEvent empty = event("<13>Mar  4 05:06:07 h cron[]: ran");
        assertThat(empty.syslog().orElseThrow().appName()).contains("cron");
        assertThat(empty.syslog().orElseThrow().procId()).isEmpty();
        assertThat(empty.message()).isEqualTo("ran");

        LogEvent unclosed = event("<13>Mar  4 05:06:07 h cron[12 ran");
        assertThat(unclosed.syslog().orElseThrow().appName()).isEmpty();
        assertThat(unclosed.message()).isEqualTo("cron[12 ran");

        String tag64 = "t".repeat(64);
        assertThat(event("<13>Mar  4 05:06:07 h " + tag64 + ": m").syslog().orElseThrow().appName()).contains(tag64);
        String tag65 = "t".repeat(65);
        LogEvent tooLong = event("<13>Mar  4 05:06:07 h " + tag65 + ": m");
        assertThat(tooLong.syslog().orElseThrow().appName()).isEmpty();
        assertThat(tooLong.message()).isEqualTo(tag65 + ": m");

        assertThat(rejection("<13>Mar  4 05:06:07 h cron[1]")).as("a tag and nothing after it")
                .isEqualTo("message: must not be empty");
        assertThat(rejection("<13>Mar  4 05:06:07 h cron:")).isEqualTo("message: must not be empty");
        assertThat(event("<13>Mar  4 05:06:07 h cron[1]:x").message()).isEqualTo("x");
    }

    @Test
    void aPriAloneOrAnRfc3339TimeInPlaceOfTheBsdOneIsReadAsRfc3164() {
        assertThat(rejection("<13>")).startsWith("neither RFC 5424");
        LogEvent event = event("<13>2026-11-25T17:00:00Z web-1 app: m");
        assertThat(event.timestamp()).isEqualTo(OffsetDateTime.parse("2026-11-25T17:00:00Z"));
        assertThat(event.host()).contains("web-1");
        assertThat(event.message()).isEqualTo("m");
    }

    @Test
    void aFirstWordWithABracketButNoTagEndIsTheHost() {
        assertThat(event("<13>Mar  4 05:06:07 a[1]x cron: ran").host()).contains("a[1]x");
    }

    @Test
    void aMessageStartingWithAColonHasNoTagAndOneWordIsAMessage() {
        LogEvent colon = event("<13>Mar  4 05:06:07 h :x");
        assertThat(colon.syslog().orElseThrow().appName()).isEmpty();
        assertThat(colon.message()).isEqualTo(":x");
        assertThat(event("<13>Mar  4 05:06:07 h word").message()).isEqualTo("word");
    }

    @Test
    void aBsdTimestampThatIsWellFormedButNoDateSaysSo() {
        assertThat(rejection("<13>Jan 00 00:00:00 m")).contains("is not a date").contains("'Jan 00 00:00:00'");
        assertThat(rejection("<13>Jan  1 90:00:00 m")).contains("is not a date");
        assertThat(event("<13>Jan  1 00:00:00 m").timestamp()).isEqualTo(OffsetDateTime.parse("2026-01-01T00:00:00Z"));
    }
}
