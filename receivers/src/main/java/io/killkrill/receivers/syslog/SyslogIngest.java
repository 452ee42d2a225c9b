package io.killkrill.receivers.syslog;

import io.killkrill.model.DeadLetter;
import io.killkrill.model.DeadLetterCodec;
import io.killkrill.model.DeadLetterReason;
import io.killkrill.model.LogEventCodec;
import io.killkrill.model.Stage;
import io.killkrill.receivers.ReceiverMetrics;
import io.killkrill.receivers.enqueue.StreamWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The syslog codec side shared by every transport: a frame becomes a logs-stream entry or a dead letter
 * (stage decode) in the logs DLQ, and is counted either way; nothing is dropped without a count.
 */
public final class SyslogIngest {
    private static final Logger LOG = LoggerFactory.getLogger(SyslogIngest.class);
    public static final String SERVICE = "receivers";

    private final String logsStream;
    private final String logsDlq;
    private final int maxMessageBytes;
    private final StreamWriter writer;
    private final ReceiverMetrics metrics;

    public SyslogIngest(String logsStream, String logsDlq, int maxMessageBytes, StreamWriter writer,
                        ReceiverMetrics metrics) {
        this.logsStream = logsStream;
        this.logsDlq = logsDlq;
        this.maxMessageBytes = maxMessageBytes;
        this.writer = writer;
        this.metrics = metrics;
    }

    /**
     * A batch of entries read from one connection or datagram, and what to count once they are stored.
     * {@code source} labels the meters (syslog, relp), {@code transport} the dead letters (tcp, tls, udp, relp, ...).
     */
    public final class Batch {
        private final List<StreamWriter.Entry> entries = new ArrayList<>();
        private int events;
        private int received;
        private final List<String> deadLetterReasons = new ArrayList<>();
        private final String source;
        private final String transport;

        Batch(String source, String transport) {
            this.source = source;
            this.transport = transport;
        }

        public boolean isEmpty() {
            return entries.isEmpty();
        }

        /** Decodes one frame into this batch. */
        public void add(SyslogFrame frame, String peer) {
            if (frame.empty()) {
                metrics.rejected(source, "logs", "empty_frame", 1);
                return;
            }
            received++;
            SyslogParse result = frame.tooLarge()
                    ? new SyslogParse.Rejected(DeadLetterReason.MESSAGE_TOO_LARGE, "the message is longer than "
                    + maxMessageBytes + " bytes (KILLKRILL_SYSLOG_MAX_MESSAGE_BYTES); raw bytes truncated to that size",
                    frame.bytes())
                    : SyslogParser.parse(frame.bytes(), peer, Instant.now());
            if (result instanceof SyslogParse.Parsed parsed) {
                entries.add(new StreamWriter.Entry(logsStream, LogEventCodec.toEntry(parsed.event())));
                events++;
            } else {
                addDeadLetter((SyslogParse.Rejected) result, peer);
            }
        }

        /** An input the transport itself refuses (a broken RELP frame, say): dead-lettered with its raw bytes. */
        public void addRejected(SyslogParse.Rejected rejected, String peer) {
            received++;
            addDeadLetter(rejected, peer);
        }

        private void addDeadLetter(SyslogParse.Rejected rejected, String peer) {
            entries.add(new StreamWriter.Entry(logsDlq, DeadLetterCodec.toIntakeEntry(deadLetter(rejected, peer))));
            deadLetterReasons.add(rejected.reason().code());
        }

        private DeadLetter deadLetter(SyslogParse.Rejected rejected, String peer) {
            Map<String, String> original = Map.of("raw_base64", Base64.getEncoder().encodeToString(rejected.raw()),
                    "peer", peer, "transport", transport);
            return new DeadLetter(original, Optional.empty(), Optional.empty(), Stage.DECODE, rejected.reason(),
                    rejected.message(), 1, SERVICE, Instant.now(), Map.of());
        }

        /**
         * Hands the batch to the writer; it is kept and re-sent until Redis stored it. The future completes once
         * Redis confirmed every entry of the batch (at once when there are none), and fails when the writer gave
         * up on them (a Redis error reply, or shut down while Redis was unreachable).
         */
        public CompletableFuture<Void> send() {
            metrics.received(source, "logs", received);
            received = 0;
            if (entries.isEmpty()) {
                return CompletableFuture.completedFuture(null);
            }
            int storedEvents = events;
            List<String> reasons = List.copyOf(deadLetterReasons);
            int size = entries.size();
            CompletableFuture<Void> stored = writer.write(List.copyOf(entries), StreamWriter.Delivery.UNTIL_STORED)
                    .whenComplete((ok, failure) -> {
                        if (failure == null) {
                            metrics.accepted(source, "logs", storedEvents);
                            reasons.forEach(r -> {
                                metrics.deadLettered(r);
                                metrics.rejected(source, "logs", r, 1);
                            });
                        } else {
                            LOG.error("stage=enqueue {} syslog entries over {} were not stored: {}", size, transport,
                                    failure.toString());
                            metrics.rejected(source, "logs", "redis_error", size);
                        }
                    });
            entries.clear();
            deadLetterReasons.clear();
            events = 0;
            return stored;
        }
    }

    /** A batch of syslog (TCP, TLS, UDP): meters labelled {@code source="syslog"}. */
    public Batch batch(String transport) {
        return new Batch("syslog", transport);
    }

    /** A batch of another transport carrying syslog messages (RELP): meters labelled with its own source. */
    public Batch batch(String source, String transport) {
        return new Batch(source, transport);
    }

    public int maxMessageBytes() {
        return maxMessageBytes;
    }
}
