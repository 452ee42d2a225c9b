package io.killkrill.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Syslog load over TCP: RFC 5424 messages, LF-framed, shaped like {@code /work/shared/bench/syslog_flood.py}
 * (the message the rsyslog anchor was measured with), sent the same way to KillKrill and to rsyslog.
 */
final class SyslogLoad {
    private static final int[] PRI = {14, 12, 11, 15};

    private SyslogLoad() {
    }

    /** Message {@code i}; {@code day} is the event date (yyyy-MM-dd), which picks KillKrill's daily index. */
    static String message(long i, String day, String appName, String msgId) {
        return String.format("<%d>1 %sT12:%02d:%02d.%03dZ web-%02d %s %d %s - GET /api/v1/users/%d completed"
                        + " status=200 duration_ms=%d bench", PRI[(int) (i % 4)], day, i / 60000 % 60, i / 1000 % 60,
                i % 1000, i % 7, appName, 1000 + i % 50, msgId, i, i % 997);
    }

    static String message(long i, String day) {
        return message(i, day, "service-" + (i % 10), "ID" + (i % 5));
    }

    /**
     * Sends {@code total} messages as fast as the receiver reads them, spread over {@code connections} TCP
     * connections; returns when every byte is written and the connections are closed.
     */
    static void flood(String host, int port, int total, int connections, String day) throws Exception {
        List<byte[]> payloads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            StringBuilder text = new StringBuilder(total / connections * 140);
            for (long i = c; i < total; i += connections) {
                text.append(message(i, day)).append('\n');
            }
            payloads.add(text.toString().getBytes(StandardCharsets.UTF_8));
        }
        List<Thread> senders = new ArrayList<>();
        List<Exception> failures = new ArrayList<>();
        for (byte[] payload : payloads) {
            Thread sender = new Thread(() -> {
                try (Socket socket = new Socket(host, port); OutputStream out = socket.getOutputStream()) {
                    for (int off = 0; off < payload.length; off += 65536) {
                        out.write(payload, off, Math.min(65536, payload.length - off));
                    }
                } catch (IOException e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            }, "syslog-flood");
            sender.start();
            senders.add(sender);
        }
        for (Thread sender : senders) {
            sender.join();
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("stage=load syslog flood failed", failures.get(0));
        }
    }

    /**
     * Sends at a fixed rate over one connection, in 10 ms ticks, until stopped. Every {@code probeEvery}-th
     * message is a probe (APP-NAME {@code probe}, MSGID {@code P<seq>}) whose send time is kept, so the
     * latency poller can match what it sees.
     */
    static final class Paced implements AutoCloseable {
        final AtomicLong sent = new AtomicLong();
        final ConcurrentMap<Long, Long> probeSentAtMillis = new ConcurrentHashMap<>();
        private final Thread thread;
        private volatile boolean running = true;
        private volatile Exception failure;

        Paced(String host, int port, int ratePerSecond, int probeEvery, String day) {
            thread = new Thread(() -> run(host, port, ratePerSecond, probeEvery, day), "syslog-paced");
            thread.setDaemon(true);
            thread.start();
        }

        private void run(String host, int port, int rate, int probeEvery, String day) {
            try (Socket socket = new Socket(host, port); OutputStream out = socket.getOutputStream()) {
                long start = System.nanoTime();
                long n = 0;
                long probes = 0;
                StringBuilder chunk = new StringBuilder();
                while (running) {
                    long due = (long) ((System.nanoTime() - start) / 1e9 * rate);
                    chunk.setLength(0);
                    long now = System.currentTimeMillis();
                    for (; n < due; n++) {
                        if (probeEvery > 0 && n % probeEvery == 0) {
                            long seq = probes++;
                            probeSentAtMillis.put(seq, now);
                            chunk.append(message(n, day, "probe", "P" + seq)).append('\n');
                        } else {
                            chunk.append(message(n, day)).append('\n');
                        }
                    }
                    if (chunk.length() > 0) {
                        out.write(chunk.toString().getBytes(StandardCharsets.UTF_8));
                        out.flush();
                        sent.set(n);
                    }
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                }
            } catch (IOException e) {
                failure = e;
            }
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(10_000);
            if (failure != null) {
                throw new IllegalStateException("stage=load paced syslog sender failed", failure);
            }
        }
    }
}
