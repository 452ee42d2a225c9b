package io.killkrill.bench;

import com.sun.management.ThreadMXBean;
import io.killkrill.logworker.Enricher;
import io.killkrill.model.EntryDecoding;
import io.killkrill.model.LogEvent;
import io.killkrill.model.LogEventCodec;
import io.killkrill.receivers.syslog.SyslogParse;
import io.killkrill.receivers.syslog.SyslogParser;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The CPU an event costs on its two codec hops, without sockets, Redis or Elasticsearch: (a) a syslog line to a
 * validated event to its stream entry (the receivers' {@code SyslogParser} and {@code LogEventCodec.toEntry}),
 * and (b) a stream entry to the event to its Elasticsearch document bytes (the log-worker's
 * {@code LogEventCodec.fromEntry} and {@code Enricher.document}); with {@code parts}, each half of each hop alone
 * too. One thread,
 * a corpus of distinct messages cycled, warm-up rounds first; each round reports the thread's CPU time per event
 * (the figure: on a shared machine, time spent waiting for a core is not the code's), the wall time and the
 * bytes allocated per event (exact, where the times are noisy), and the
 * result is the median of the measured rounds' CPU figures.
 *
 * <p>Usage: {@code java -cp benchmarks/target/benchmarks-*-all.jar io.killkrill.bench.EventPathMicro [events [parts]]}
 * (default 1,000,000 events per round).
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

        List<LogEvent> events0 = new ArrayList<>(CORPUS);
        for (Map<String, String> entry : entries) {
            events0.add(decode(entry));
        }

        double syslogToEntry = measure("syslog line -> event -> entry", events, i -> {
            sink += LogEventCodec.toEntry(parse(lines.get(i))).get("data").length();
        });
        double entryToDocument = measure("entry -> event -> ES document", events, i -> {
            sink += enricher.document(decode(entries.get(i))).length;
        });
        if (args.length < 2 || !args[1].equals("parts")) {
            System.out.printf("RESULT cpu ns/event: syslog_to_entry=%.0f entry_to_document=%.0f (sink %d)%n",
                    syslogToEntry, entryToDocument, sink);
            return;
        }
        double syslogToEvent = measure("  syslog line -> event", events, i -> sink += parse(lines.get(i)).message()
                .length());
        double eventToEntry = measure("  event -> entry", events, i -> sink += LogEventCodec.toEntry(events0.get(i))
                .get("data").length());
        double entryToEvent = measure("  entry -> event", events, i -> sink += decode(entries.get(i)).message()
                .length());
        double eventToDocument = measure("  event -> ES document", events, i -> sink += enricher.document(
                events0.get(i)).length);
        System.out.printf("RESULT cpu ns/event: syslog_to_entry=%.0f (parse %.0f, toEntry %.0f)"
                        + " entry_to_document=%.0f (fromEntry %.0f, document %.0f) (sink %d)%n", syslogToEntry,
                syslogToEvent, eventToEntry, entryToDocument, entryToEvent, eventToDocument, sink);
    }

    @FunctionalInterface
    private interface Hop {
        void run(int corpusIndex);
    }

    private static double measure(String name, int events, Hop hop) {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        double[] rounds = new double[MEASURED_ROUNDS];
        for (int round = 0; round < WARM_UP_ROUNDS + MEASURED_ROUNDS; round++) {
            long allocatedStart = threads.getThreadAllocatedBytes(thread);
            long cpuStart = threads.getCurrentThreadCpuTime();
            long wallStart = System.nanoTime();
            for (int i = 0; i < events; i++) {
                hop.run(i & (CORPUS - 1));
            }
            double cpuPerEvent = (threads.getCurrentThreadCpuTime() - cpuStart) / (double) events;
            double wallPerEvent = (System.nanoTime() - wallStart) / (double) events;
            long bytesPerEvent = (threads.getThreadAllocatedBytes(thread) - allocatedStart) / events;
            boolean warmUp = round < WARM_UP_ROUNDS;
            System.out.printf("%-32s %s round %d: %.0f ns/event CPU, %.0f wall, %d bytes allocated%n", name,
                    warmUp ? "warm-up" : "measured", warmUp ? round + 1 : round - WARM_UP_ROUNDS + 1, cpuPerEvent,
                    wallPerEvent, bytesPerEvent);
            if (!warmUp) {
                rounds[round - WARM_UP_ROUNDS] = cpuPerEvent;
            }
        }
        Arrays.sort(rounds);
        return rounds[MEASURED_ROUNDS / 2];
    }

    private static LogEvent decode(Map<String, String> entry) {
        EntryDecoding<LogEvent> decoding = LogEventCodec.fromEntry(entry);
        if (decoding instanceof EntryDecoding.Decoded<LogEvent> decoded) {
            return decoded.value();
        }
        throw new IllegalStateException("the corpus holds valid entries only: " + decoding);
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
