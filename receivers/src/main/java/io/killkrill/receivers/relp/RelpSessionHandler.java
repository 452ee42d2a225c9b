package io.killkrill.receivers.relp;

import io.killkrill.model.DeadLetterReason;
import io.killkrill.receivers.Peers;
import io.killkrill.receivers.syslog.SyslogFrame;
import io.killkrill.receivers.syslog.SyslogParse;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.AttributeKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One RELP session, server side. {@code open} first (offers answered with {@code relp_version}, {@code relp_software}
 * and {@code commands=syslog}), then {@code syslog} frames, then {@code close} (answered {@code 200 OK}, then the
 * {@code serverclose} hint and the connection closed). TXNRs must run 1, 2, 3, ... (librelp's rule).
 *
 * <p><b>When a frame is answered.</b> Answers go out in TXNR order, each only once the store confirmed what the frame
 * became: {@code 200 OK} for a syslog message stored as an event or as a dead letter of the syslog codec (the same
 * contract as syslog TCP). A frame the store gave up on is never answered: the session sends {@code serverclose}
 * and closes, and the client resends every frame it holds unanswered on its next session. This is why a frame that
 * cannot be stored <em>for now</em> (Redis down, backlog full) is held, not answered {@code 500}: librelp, the
 * client of rsyslog's omrelp, deletes a frame answered with an error from its unacknowledged list and never
 * resends it ({@code scrsp.c}; rsyslog issue 841), so a {@code 500} would lose the message.
 *
 * <p>{@code 500} is kept for what a resend cannot fix, each dead-lettered with its raw bytes before it is answered:
 * an unsupported command ({@code 500}, the session goes on), an oversized syslog message (dead-lettered
 * {@code message_too_large}, {@code 500}, the session goes on), and protocol errors (a broken frame, a TXNR out of
 * sequence, a command before {@code open}: {@code 500} when the TXNR is known, then {@code serverclose}).
 *
 * <p><b>Reading</b> pauses while the flow gate is closed (the receiver's {@code FlowControl}, after this handler, as for
 * syslog TCP), while {@value #MAX_UNANSWERED} frames wait for their answer, and once the session is stopping;
 * {@link #holdsReading} tells the flow control not to resume it. {@code accepting} is the gate: a hold let go
 * resumes reading only while it is open.
 */
public final class RelpSessionHandler extends SimpleChannelInboundHandler<RelpInput> {
    private static final Logger LOG = LoggerFactory.getLogger(RelpSessionHandler.class);
    /** rsyslog's default window is 128 frames; a client with a larger one waits, it does not fail. */
    static final int MAX_UNANSWERED = 1024;
    static final long MAX_TXNR = 999_999_999L;
    /** librelp reads at most 80 characters of an answer's human-readable text. */
    private static final int MAX_ANSWER_TEXT = 80;
    private static final AttributeKey<Boolean> HOLDING = AttributeKey.valueOf("killkrill.relp.holdsReading");

    private enum State { AWAITING_OPEN, OPEN, CLOSED }

    /** How long a session that sent serverclose waits for its client to close before closing itself. */
    static final Duration LINGER = Duration.ofSeconds(2);

    private record Unanswered(long txnr, CompletableFuture<String> answer) {
    }

    private final RelpStore store;
    private final BooleanSupplier accepting;
    private final int maxDataBytes;
    private final ArrayDeque<Unanswered> unanswered = new ArrayDeque<>();
    private State state = State.AWAITING_OPEN;
    private long expectedTxnr = 1;
    private boolean closeWhenAnswered;
    private boolean stopping;
    private ChannelHandlerContext ctx;
    private String peer = "unknown";

    public RelpSessionHandler(RelpStore store, BooleanSupplier accepting, int maxDataBytes) {
        this.store = store;
        this.accepting = accepting;
        this.maxDataBytes = maxDataBytes;
    }

    /** Whether the RELP session on this channel keeps reading paused whatever the flow gate says. */
    public static boolean holdsReading(Channel channel) {
        return Boolean.TRUE.equals(channel.attr(HOLDING).get());
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        peer = Peers.of(ctx.channel().remoteAddress());
        super.channelActive(ctx);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, RelpInput input) {
        if (state == State.CLOSED || closeWhenAnswered && !stopping) {
            return; // after close or a protocol error nothing more is taken; the client resends what is unanswered
        }
        if (input instanceof RelpInput.Malformed m) {
            protocolError(m.txnr(), m.problem(), m.raw());
        } else {
            command((RelpInput.Frame) input);
        }
    }

    private void command(RelpInput.Frame frame) {
        if (frame.txnr() != expectedTxnr) {
            protocolError(OptionalLong.of(frame.txnr()), "TXNR " + frame.txnr() + " out of sequence, expected "
                    + expectedTxnr, raw(frame));
            return;
        }
        expectedTxnr = nextTxnr(frame.txnr());
        if (state == State.AWAITING_OPEN && !frame.command().equals("open")) {
            protocolError(OptionalLong.of(frame.txnr()), "session not open: " + frame.command() + " before open",
                    raw(frame));
            return;
        }
        switch (frame.command()) {
            case "open" -> open(frame);
            case "syslog" -> syslog(frame);
            case "close" -> {
                answer(frame.txnr(), CompletableFuture.completedFuture("200 OK"));
                closeWhenAnswered();
            }
            default -> {
                String problem = "command " + frame.command() + " is not supported (commands=syslog)";
                CompletableFuture<Void> stored = store.deadLetter(rejected(problem, raw(frame)), peer);
                answer(frame.txnr(), stored.thenApply(v -> error(problem)));
            }
        }
    }

    private void open(RelpInput.Frame frame) {
        if (state == State.OPEN) {
            protocolError(OptionalLong.of(frame.txnr()), "protocol error: connection already open", raw(frame));
            return;
        }
        RelpOffers.Answer answer = RelpOffers.parse(frame.data()).answer();
        answer(frame.txnr(), CompletableFuture.completedFuture(answer.text()));
        if (answer instanceof RelpOffers.Accepted) {
            state = State.OPEN;
        } else {
            LOG.warn("stage=decode RELP open from {} refused: {}", peer, answer.text());
            closeWhenAnswered();
        }
    }

    private void syslog(RelpInput.Frame frame) {
        byte[] message = frame.tooLarge() ? frame.data() : withoutTrailer(frame.data());
        CompletableFuture<Void> stored = store.message(new SyslogFrame(message, frame.tooLarge()), peer);
        String answer = frame.tooLarge()
                ? error("message longer than " + maxDataBytes + " bytes, dead-lettered") : "200 OK";
        answer(frame.txnr(), stored.thenApply(v -> answer));
    }

    /**
     * rsyslog's forwarding templates end the message with LF (RSYSLOG_SyslogProtocol23Format); as over UDP, a
     * trailing LF, CRLF or NUL is not part of the message.
     */
    private static byte[] withoutTrailer(byte[] data) {
        int end = data.length;
        while (end > 0 && (data[end - 1] == '\n' || data[end - 1] == '\r' || data[end - 1] == 0)) {
            end--;
        }
        return end == data.length ? data : Arrays.copyOf(data, end);
    }

    /** Dead-letters the bytes, answers 500 when the TXNR is known, then serverclose: framing cannot be trusted. */
    private void protocolError(OptionalLong txnr, String problem, byte[] raw) {
        LOG.warn("stage=decode RELP session from {} broke the protocol, closing it: {}", peer, problem);
        CompletableFuture<Void> stored = store.deadLetter(rejected("protocol error: " + problem, raw), peer);
        if (txnr.isPresent() && txnr.getAsLong() > 0) {
            answer(txnr.getAsLong(), stored.thenApply(v -> error(problem)));
        }
        closeWhenAnswered();
    }

    /** TXNRs run up to 999,999,999 and go on at 1 (RELP spec). */
    static long nextTxnr(long txnr) {
        return txnr == MAX_TXNR ? 1 : txnr + 1;
    }

    /** {@code 500} and the reason, cut to what librelp reads. */
    static String error(String problem) {
        String text = problem.replace('\n', ' ');
        return "500 " + (text.length() > MAX_ANSWER_TEXT ? text.substring(0, MAX_ANSWER_TEXT) : text);
    }

    private static SyslogParse.Rejected rejected(String problem, byte[] raw) {
        return new SyslogParse.Rejected(DeadLetterReason.SYSLOG_PARSE_ERROR, "RELP " + problem, raw);
    }

    private void answer(long txnr, CompletableFuture<String> answer) {
        unanswered.add(new Unanswered(txnr, answer));
        if (unanswered.size() >= MAX_UNANSWERED) {
            hold(true);
        }
        answer.whenComplete((text, failure) -> {
            if (ctx.executor().inEventLoop()) {
                flush();
            } else {
                ctx.executor().execute(this::flush);
            }
        });
    }

    /** Writes the answers whose frames are settled, in TXNR order; stops at the first frame the store gave up on. */
    private void flush() {
        boolean wrote = false;
        while (!unanswered.isEmpty() && unanswered.peek().answer().isDone()) {
            Unanswered next = unanswered.poll();
            String text;
            try {
                text = next.answer().join();
            } catch (CompletionException | CancellationException e) {
                LOG.warn("stage=enqueue RELP frame {} from {} was not stored ({}): closing the session without "
                        + "answering it or the {} after it; the client resends them", next.txnr(), peer,
                        e.getCause() == null ? e.toString() : e.getCause().toString(), unanswered.size());
                unanswered.clear();
                serverClose();
                return;
            }
            ctx.write(frame(next.txnr(), "rsp", text));
            wrote = true;
        }
        if (wrote) {
            ctx.flush();
        }
        if (unanswered.isEmpty() && closeWhenAnswered) {
            serverClose();
        } else if (!closeWhenAnswered && unanswered.size() <= MAX_UNANSWERED / 2 && holdsReading(ctx.channel())) {
            hold(false);
        }
    }

    private void closeWhenAnswered() {
        closeWhenAnswered = true;
        hold(true);
        if (unanswered.isEmpty()) {
            serverClose();
        }
    }

    /**
     * Graceful stop: reads nothing more, answers the frames already read once they are stored, then serverclose.
     * Frames the client sent but were not read stay unanswered, so it resends them to the next receiver.
     */
    public void stop() {
        stopping = true;
        closeWhenAnswered();
    }

    /** End of the stop's grace period: serverclose now, leaving what is still unstored unanswered. */
    public void abort() {
        if (!unanswered.isEmpty()) {
            LOG.warn("stage=enqueue RELP session from {} closed at the end of the shutdown grace with {} frames "
                    + "not yet stored; they stay unanswered and the client resends them", peer, unanswered.size());
            unanswered.clear();
        }
        serverClose();
    }

    private void serverClose() {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        hold(true);
        ctx.writeAndFlush(frame(0, "serverclose", "")).addListener(written -> {
            if (!(ctx.channel() instanceof DuplexChannel duplex) || !written.isSuccess()) {
                ctx.close();
                return;
            }
            // half-close: the client reads every answer and serverclose, then EOF. Closing at once while its
            // unread frames sit in our receive buffer would reset the connection, and a reset can destroy answers
            // it has not read yet (it would then resend frames that were stored). What it still sends is read and
            // dropped (state CLOSED) until it closes, or for LINGER at most.
            duplex.shutdownOutput();
            ctx.channel().attr(HOLDING).set(false);
            ctx.channel().config().setAutoRead(true);
            ctx.executor().schedule(() -> {
                ctx.close();
            }, LINGER.toMillis(), TimeUnit.MILLISECONDS);
        });
    }

    private void hold(boolean on) {
        Channel channel = ctx.channel();
        channel.attr(HOLDING).set(on);
        if (on) {
            channel.config().setAutoRead(false);
        } else if (accepting.getAsBoolean()) {
            channel.config().setAutoRead(true);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        state = State.CLOSED;
        unanswered.clear();
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.warn("stage=decode RELP connection from {} failed: {}", peer, cause.toString());
        unanswered.clear();
        serverClose();
    }

    private ByteBuf frame(long txnr, String command, String text) {
        byte[] data = text.getBytes(StandardCharsets.UTF_8);
        String header = txnr + " " + command + " " + data.length + (data.length > 0 ? " " : "");
        ByteBuf out = ctx.alloc().buffer(header.length() + data.length + 1);
        out.writeCharSequence(header, StandardCharsets.US_ASCII);
        out.writeBytes(data);
        out.writeByte('\n');
        return out;
    }

    /** A frame's bytes as received (DATA truncated when it was too large), for its dead letter. */
    private byte[] raw(RelpInput.Frame frame) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] header = (frame.txnr() + " " + frame.command() + " " + frame.data().length
                + (frame.data().length > 0 ? " " : "")).getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(header);
        out.writeBytes(frame.data());
        out.write('\n');
        byte[] bytes = out.toByteArray();
        return bytes.length <= maxDataBytes ? bytes : Arrays.copyOf(bytes, maxDataBytes);
    }
}
