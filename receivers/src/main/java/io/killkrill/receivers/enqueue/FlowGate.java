package io.killkrill.receivers.enqueue;

import io.killkrill.receivers.ReceiverMetrics;

import java.util.Optional;

/**
 * The one backpressure signal of the receivers, from the writer's state (Redis reachable, taking writes, queue
 * depth) and the {@link BacklogMonitor}'s backlog of each stream. Every transport asks it, and only it:
 * <ul>
 *   <li>HTTP asks {@link #closedFor} per request, on its headers, and answers 503 or 429 with Retry-After;</li>
 *   <li>syslog TCP, TLS and RELP stop reading while {@link #readable()} is false, and resume when a listener
 *   registered with {@link #onChange} is told it may be true again;</li>
 *   <li>UDP, which cannot be paused, drops a datagram while {@link #closedFor} the logs stream is closed, and
 *   counts it by the closing reason.</li>
 * </ul>
 * Readers pause earlier ({@link StreamWriter#HIGH_WATERMARK} queued entries) than requests and datagrams are
 * refused ({@link StreamWriter#CAPACITY}): a paused reader loses nothing, a refusal is the client's to retry.
 */
public final class FlowGate {
    /** Why the gate is closed for a stream, and what HTTP answers. */
    public record Closed(int httpStatus, String reason, String message) {
    }

    private final StreamWriter writer;
    private final BacklogMonitor backlog;
    private final String logsStream;

    public FlowGate(StreamWriter writer, BacklogMonitor backlog, String logsStream, ReceiverMetrics metrics) {
        this.writer = writer;
        this.backlog = backlog;
        this.logsStream = logsStream;
        metrics.flowGateGauge(() -> readable() ? 1 : 0);
    }

    /** Why a new request or datagram for {@code stream} is refused now, if it is. */
    public Optional<Closed> closedFor(String stream) {
        if (!writer.redisAvailable()) {
            return Optional.of(new Closed(503, "redis_unavailable",
                    "Redis is unavailable; nothing was accepted, retry later"));
        }
        Optional<String> refusal = writer.refusal();
        if (refusal.isPresent()) {
            return Optional.of(new Closed(503, "redis_refusing", "Redis refuses writes (" + refusal.get()
                    + "); nothing was accepted, retry later"));
        }
        if (backlog.overLimit(stream)) {
            return Optional.of(new Closed(429, "backlog", "the backlog of " + stream + " (" + backlog.backlog(stream)
                    + " entries) is over the limit; nothing was accepted, retry later"));
        }
        if (!writer.takesFailFastWrites()) {
            return Optional.of(new Closed(503, "queue_full",
                    "the receiver's write queue is full or it is shutting down; nothing was accepted, retry later"));
        }
        return Optional.empty();
    }

    /** Whether the transports that can pause (syslog TCP, TLS, RELP) should read. */
    public boolean readable() {
        return writer.acceptingMore() && !backlog.overLimit(logsStream);
    }

    /** Called (from any thread) whenever the gate may have opened or closed. */
    public void onChange(Runnable listener) {
        writer.onFlowChange(listener);
    }

    public String logsStream() {
        return logsStream;
    }
}
