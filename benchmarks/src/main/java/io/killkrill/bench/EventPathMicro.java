package io.killkrill.bench;

import io.killkrill.logworker.Enricher;
import io.killkrill.model.EntryDecoding;
import io.killkrill.model.LogEvent;
import io.killkrill.model.LogEventCodec;
import io.killkrill.receivers.syslog.SyslogParse;
import io.killkrill.receivers.syslog.SyslogParser;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The CPU an event costs on its two codec hops, without sockets, Redis or Elasticsearch: (a) a syslog line to a
 * validated event to its stream entry (the receivers' {@code SyslogParser} and {@code LogEventCodec.toEntry}),
 * and (b) a stream entry to the event to its Elasticsearch document bytes (the log-worker's
 * {@code LogEventCodec.fromEntry} and {@code Enricher.document}). One thread, a corpus of distinct messages
 * cycled, warm-up rounds first; each round reports ns/event, the result is the median of the measured rounds.
 *
 * <p>Usage: {@code java -cp benchmarks/target/benchmarks-*.jar io.killkrill.bench.EventPathMicro [events]}
 * (default 1,000,000 per measured round).
 */
public final class EventPathMicro {
    private static final int CORPUS = 4096;
    private static final int WARM_UP_ROUNDS = 3;
    private static final int MEASURED_ROUNDS = 5;
    private static final Instant RECEIVED_AT = Instant.parse("2026-11-25T12:00:00.123456Z");

    /** What every hop's result feeds, so the JIT cannot drop the work. */
    private static long sink;

    private EventPathMicro() {
    }

    public static void main(String[] args) {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        List<byte[]> lines = corpus();
        List<Map<String, String>> entries = new ArrayList<>(CORPUS);
        for (byte[] line : lines) {
            entries.add(LogEventCodec.toEntry(parse(line)));
        }
        Enricher enricher = new Enricher("logs", "bench", "0.1.0",
                Clock.fixed(Instant.parse("2026-11-25T12:00:01Z"), ZoneOffset.UTC));

        double syslogToEntry = measure("syslog line -> event -> entry", events, i -> {
            sink += LogEventCodec.toEntry(parse(lines.get(i))).get("data").length();
        });
        double entryToDocument = measure("entry -> event -> ES document", events, i -> {
            EntryDecoding<LogEvent> decoding = LogEventCodec.fromEntry(entries.get(i));
            LogEvent event = ((EntryDecoding.Decoded<LogEvent>) decoding).value();
            sink += enricher.document(event).length;
        });
        System.out.printf("RESULT syslog_to_entry_ns=%.0f entry_to_document_ns=%.0f (sink %d)%n",
                syslogToEntry, entryToDocument, sink);
    }

    @FunctionalInterface
    private interface Hop {
        void run(int corpusIndex);
    }

    private static double measure(String name, int events, Hop hop) {
        double[] rounds = new double[MEASURED_ROUNDS];
        for (int round = 0; round < WARM_UP_ROUNDS + MEASURED_ROUNDS; round++) {
            long start = System.nanoTime();
            for (int i = 0; i < events; i++) {
                hop.run(i & (CORPUS - 1));
            }
            double nsPerEvent = (System.nanoTime() - start) / (double) events;
            boolean warmUp = round < WARM_UP_ROUNDS;
            System.out.printf("%-32s %s round %d: %.0f ns/event%n", name, warmUp ? "warm-up" : "measured",
                    warmUp ? round + 1 : round - WARM_UP_ROUNDS + 1, nsPerEvent);
            if (!warmUp) {
                rounds[round - WARM_UP_ROUNDS] = nsPerEvent;
            }
        }
        java.util.Arrays.sort(rounds);
        return rounds[MEASURED_ROUNDS / 2];
    }

    private static LogEvent parse(byte[] line) {
        SyslogParse parse = SyslogParser.parse(line, "10.0.0.7:51514", RECEIVED_AT);
        if (parse instanceof SyslogParse.Parsed parsed) {
            return parsed.event();
        }
        throw new IllegalStateException("the corpus holds valid messages only: " + parse);
    }

    /**
     * The bench's RFC 5424 flood message ({@link SyslogLoad#message}), one in four with structured data, one in
     * eight an RFC 3164 line: the shapes the receivers see.
     */
    private static List<byte[]> corpus() {
        List<byte[]> lines = new ArrayList<>(CORPUS);
        for (int i = 0; i < CORPUS; i++) {
            String line;
            if (i % 8 == 7) {
                line = "<38>Nov 25 11:59:" + String.format("%02d", i % 60) + " web-" + i % 7 + " sshd[" + (1000 + i)
                        + "]: Accepted publickey for deploy from 10.1.2." + i % 250 + " port " + (40000 + i);
            } else if (i % 4 == 1) {
                line = "<14>1 2026-11-25T11:59:" + String.format("%02d", i % 60) + ".5+01:00 web-" + i % 7
                        + " checkout " + (2000 + i) + " ORDER [order@32473 id=\"" + i + "\" total=\"" + i * 3
                        + ".50\" currency=\"EUR\"] order placed for customer " + i;
            } else {
                line = SyslogLoad.message(i, "2026-11-25");
            }
            lines.add(line.getBytes(StandardCharsets.UTF_8));
        }
        return lines;
    }
}
