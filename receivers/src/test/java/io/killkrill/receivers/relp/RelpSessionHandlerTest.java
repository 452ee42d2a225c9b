package io.killkrill.receivers.relp;

import io.killkrill.model.DeadLetterReason;
import io.killkrill.receivers.syslog.FlowControl;
import io.killkrill.receivers.syslog.SyslogFrame;
import io.killkrill.receivers.syslog.SyslogParse;
import io.killkrill.receivers.enqueue.RedisUnavailableException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** The server side of a RELP session, driven through the real frame decoder with a store the test settles. */
class RelpSessionHandlerTest {
    private static final String OPEN_OFFERS = "relp_version=0\nrelp_software=librelp,1.11.0,http://librelp.adiscon.com\n"
            + "commands=syslog";
    private static final String OPENED = rsp(1, "200 OK\nrelp_version=0\nrelp_software=" + RelpOffers.SOFTWARE
            + "\ncommands=syslog");

    /** Records what the session stores; each future completes when the test says so. */
    private static final class Store implements RelpStore {
        final List<SyslogFrame> messages = new ArrayList<>();
        final List<SyslogParse.Rejected> deadLetters = new ArrayList<>();
        final List<CompletableFuture<Void>> writes = new ArrayList<>();
        boolean settleAtOnce = true;

        @Override
        public CompletableFuture<Void> message(SyslogFrame frame, String peer) {
            messages.add(frame);
            return write();
        }

        @Override
        public CompletableFuture<Void> deadLetter(SyslogParse.Rejected rejected, String peer) {
            deadLetters.add(rejected);
            return write();
        }

        private CompletableFuture<Void> write() {
            CompletableFuture<Void> done = settleAtOnce ? CompletableFuture.completedFuture(null)
                    : new CompletableFuture<>();
            writes.add(done);
            return done;
        }
    }

    private final Store store = new Store();
    private final AtomicBoolean accepting = new AtomicBoolean(true);
    private final RelpSessionHandler session = new RelpSessionHandler(store, accepting::get, 1024);
    private final EmbeddedChannel channel = new EmbeddedChannel(new RelpFrameDecoder(1024), session,
            new FlowControl(accepting::get));

    private void send(String frames) {
        channel.writeInbound(Unpooled.copiedBuffer(frames, StandardCharsets.UTF_8));
    }

    private static String frame(long txnr, String command, String data) {
        int length = data.getBytes(StandardCharsets.UTF_8).length;
        return txnr + " " + command + " " + length + (length > 0 ? " " + data : "") + "\n";
    }

    private static String rsp(long txnr, String text) {
        return frame(txnr, "rsp", text);
    }

    private String answers() {
        StringBuilder out = new StringBuilder();
        ByteBuf buf;
        while ((buf = channel.readOutbound()) != null) {
            out.append(buf.toString(StandardCharsets.UTF_8));
            buf.release();
        }
        return out.toString();
    }

    private void open() {
        send(frame(1, "open", OPEN_OFFERS));
        assertThat(answers()).isEqualTo(OPENED);
    }

    @Test
    void openIsAnsweredWithTheOffersThisServerSpeaks() {
        open();
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void aCommandBeforeOpenIsRefusedDeadLetteredAndTheSessionClosed() {
        send(frame(1, "syslog", "<13>1 - host app - - - before open"));
        assertThat(answers()).isEqualTo(rsp(1, "500 session not open: syslog before open") + "0 serverclose 0\n");
        assertThat(channel.isOpen()).isFalse();
        assertThat(store.messages).isEmpty();
        assertThat(store.deadLetters).singleElement().satisfies(d -> {
            assertThat(d.reason()).isEqualTo(DeadLetterReason.SYSLOG_PARSE_ERROR);
            assertThat(new String(d.raw(), StandardCharsets.UTF_8))
                    .isEqualTo(frame(1, "syslog", "<13>1 - host app - - - before open"));
        });
    }

    @Test
    void anOpenWithoutRelpVersionOrSyslogIsRefused() {
        send(frame(1, "open", "commands=syslog"));
        assertThat(answers()).isEqualTo(rsp(1, "500 the open offers no numeric relp_version") + "0 serverclose 0\n");
        assertThat(channel.isOpen()).isFalse();

        EmbeddedChannel other = new EmbeddedChannel(new RelpFrameDecoder(1024),
                new RelpSessionHandler(store, accepting::get, 1024));
        other.writeInbound(Unpooled.copiedBuffer(frame(1, "open", "relp_version=1\ncommands=eventlog"),
                StandardCharsets.UTF_8));
        ByteBuf answer = other.readOutbound();
        assertThat(answer.toString(StandardCharsets.UTF_8))
                .isEqualTo(rsp(1, "500 required command not supported by client: syslog"));
    }

    @Test
    void syslogFramesAreAnsweredOnlyOnceStoredAndInTxnrOrder() {
        open();
        store.settleAtOnce = false;
        send(frame(2, "syslog", "<13>1 - h a - - - one") + frame(3, "syslog", "<13>1 - h a - - - two\r\n")
                + frame(4, "syslog", "<13>1 - h a - - - three"));
        assertThat(store.messages).extracting(m -> new String(m.bytes(), StandardCharsets.UTF_8))
                .containsExactly("<13>1 - h a - - - one", "<13>1 - h a - - - two", "<13>1 - h a - - - three");
        assertThat(answers()).as("nothing stored yet").isEmpty();

        store.writes.get(2).complete(null);
        store.writes.get(1).complete(null);
        assertThat(answers()).as("3 and 4 wait for 2").isEmpty();
        store.writes.get(0).complete(null);
        assertThat(answers()).isEqualTo(rsp(2, "200 OK") + "3 rsp 6 200 OK\n4 rsp 6 200 OK\n");
    }

    @Test
    void closeIsAnsweredThenServercloseAndTheConnectionClosed() {
        open();
        store.settleAtOnce = false;
        send(frame(2, "syslog", "<13>1 - h a - - - last") + frame(3, "close", ""));
        assertThat(answers()).as("close waits for the frame before it").isEmpty();
        store.writes.get(0).complete(null);
        assertThat(answers()).isEqualTo(rsp(2, "200 OK") + "3 rsp 6 200 OK\n0 serverclose 0\n");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void aFrameTheStoreGaveUpOnIsNeverAnsweredTheSessionClosesSoTheClientResendsIt() {
        open();
        store.settleAtOnce = false;
        send(frame(2, "syslog", "<13>1 - h a - - - stored") + frame(3, "syslog", "<13>1 - h a - - - lost")
                + frame(4, "syslog", "<13>1 - h a - - - after"));
        store.writes.get(0).complete(null);
        store.writes.get(2).complete(null);
        store.writes.get(1).completeExceptionally(new RedisUnavailableException("shut down while Redis was down"));
        assertThat(answers()).isEqualTo(rsp(2, "200 OK") + "0 serverclose 0\n");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void anUnsupportedCommandIsDeadLetteredAndRefusedAndTheSessionGoesOn() {
        open();
        send(frame(2, "eventlog", "data") + frame(3, "syslog", "<13>1 - h a - - - next"));
        assertThat(answers()).isEqualTo(rsp(2, "500 command eventlog is not supported (commands=syslog)")
                + rsp(3, "200 OK"));
        assertThat(store.deadLetters).singleElement()
                .satisfies(d -> assertThat(d.message()).contains("eventlog is not supported"));
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void aTxnrOutOfSequenceIsAProtocolError() {
        open();
        send(frame(5, "syslog", "<13>1 - h a - - - skipped ahead"));
        assertThat(answers()).isEqualTo(rsp(5, "500 TXNR 5 out of sequence, expected 2") + "0 serverclose 0\n");
        assertThat(store.messages).isEmpty();
        assertThat(store.deadLetters).hasSize(1);
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void aBrokenHeaderIsDeadLetteredWithItsBytesAndEndsTheSessionWithoutAnAnswer() {
        open();
        send("2x syslog 3 abc\n" + frame(3, "syslog", "never read"));
        assertThat(answers()).isEqualTo("0 serverclose 0\n");
        assertThat(store.deadLetters).singleElement().satisfies(d -> assertThat(
                new String(d.raw(), StandardCharsets.UTF_8)).startsWith("2x syslog 3 abc\n"));
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void aLyingDatalenIsAnsweredWithAnErrorAndDeadLettered() {
        open();
        send("2 syslog 3 abcdef\n");
        assertThat(answers()).startsWith("2 rsp ").contains("500 no LF after the 3 bytes of DATA")
                .endsWith("0 serverclose 0\n");
        assertThat(store.deadLetters).singleElement()
                .satisfies(d -> assertThat(new String(d.raw(), StandardCharsets.UTF_8)).isEqualTo("2 syslog 3 abcd"));
    }

    @Test
    void anOversizedMessageIsDeadLetteredTruncatedAndRefusedAndTheSessionGoesOn() {
        open();
        send(frame(2, "syslog", "x".repeat(5000)) + frame(3, "syslog", "<13>1 - h a - - - next"));
        assertThat(store.messages).hasSize(2);
        assertThat(store.messages.get(0).tooLarge()).isTrue();
        assertThat(store.messages.get(0).bytes()).hasSize(1024);
        assertThat(answers()).isEqualTo(rsp(2, "500 message longer than 1024 bytes, dead-lettered")
                + rsp(3, "200 OK"));
    }

    @Test
    void stopAnswersWhatWasReadThenSendsServercloseAndReadsNothingMore() {
        open();
        store.settleAtOnce = false;
        send(frame(2, "syslog", "<13>1 - h a - - - in flight"));
        session.stop();
        assertThat(RelpSessionHandler.holdsReading(channel)).isTrue();
        assertThat(channel.config().isAutoRead()).isFalse();
        assertThat(channel.isOpen()).as("waits for the frame in flight").isTrue();
        store.writes.get(0).complete(null);
        assertThat(answers()).isEqualTo(rsp(2, "200 OK") + "0 serverclose 0\n");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void abortAtTheEndOfTheGraceLeavesWhatIsUnstoredUnanswered() {
        open();
        store.settleAtOnce = false;
        send(frame(2, "syslog", "<13>1 - h a - - - never stored"));
        session.stop();
        session.abort();
        assertThat(answers()).isEqualTo("0 serverclose 0\n");
        assertThat(channel.isOpen()).isFalse();
        store.writes.get(0).complete(null);
        assertThat(answers()).isEmpty();
    }

    @Test
    void readingPausesWhileTheGateIsClosedAndWhileTooManyFramesAwaitTheirAnswer() {
        open();
        store.settleAtOnce = false;
        StringBuilder frames = new StringBuilder();
        for (int txnr = 2; txnr < 2 + RelpSessionHandler.MAX_UNANSWERED; txnr++) {
            frames.append(frame(txnr, "syslog", "<13>1 - h a - - - m"));
        }
        send(frames.toString());
        assertThat(RelpSessionHandler.holdsReading(channel)).isTrue();
        assertThat(channel.config().isAutoRead()).isFalse();
        store.writes.forEach(w -> w.complete(null));
        assertThat(RelpSessionHandler.holdsReading(channel)).isFalse();
        assertThat(channel.config().isAutoRead()).isTrue();
        assertThat(answers().lines()).hasSize(RelpSessionHandler.MAX_UNANSWERED);

        accepting.set(false);
        send(frame(2 + RelpSessionHandler.MAX_UNANSWERED, "syslog", "<13>1 - h a - - - gate closed"));
        assertThat(channel.config().isAutoRead()).as("paused after a read while the gate is closed").isFalse();
    }

    @Test
    void txnrWrapsFrom999999999To1() {
        assertThat(RelpSessionHandler.nextTxnr(1)).isEqualTo(2);
        assertThat(RelpSessionHandler.nextTxnr(999_999_998L)).isEqualTo(999_999_999L);
        assertThat(RelpSessionHandler.nextTxnr(999_999_999L)).isEqualTo(1);
    }

    @Test
    void anErrorTextIsCutToTheEightyCharactersLibrelpReads() {
        assertThat(RelpSessionHandler.error("x".repeat(200) + "\n")).isEqualTo("500 " + "x".repeat(80));
    }
}
