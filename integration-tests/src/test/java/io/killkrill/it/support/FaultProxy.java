package io.killkrill.it.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fault-injecting TCP proxy between code under test and a real server. {@link Mode#FORWARD} passes bytes
 * both ways; {@link Mode#BLACKHOLE} accepts connections and swallows everything without ever answering (the
 * client times out); {@link Mode#REFUSE} closes every connection, new and open (the client sees resets);
 * {@link Mode#CUT_REPLIES} passes the client's bytes to the server but, once the client sent at least 1 KiB on a
 * connection since the mode was set, closes the connection when the server answers instead of passing the answer
 * on (300 ms later, so that a pipeline the client was still sending reaches the server whole): the server did
 * what it was asked, the client never learns it. Smaller exchanges (a PING on borrow) pass.
 */
public final class FaultProxy implements AutoCloseable {
    public enum Mode { FORWARD, BLACKHOLE, REFUSE, CUT_REPLIES }

    private static final long CUT_DELAY_MILLIS = 300;
    /** CUT_REPLIES spares small exchanges (a client's PING before it writes): only answers to a write this big. */
    private static final long CUT_AFTER_BYTES = 1024;
    private volatile long modeEpoch;
    private static final ScheduledExecutorService CUTTER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fault-proxy-cutter");
        t.setDaemon(true);
        return t;
    });

    private final InetSocketAddress target;
    private final ServerSocket server;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile Mode mode = Mode.FORWARD;
    private volatile boolean closed;
    private final AtomicLong swallowedBytes = new AtomicLong();

    public FaultProxy(URI target) throws IOException {
        this.target = new InetSocketAddress(target.getHost(), target.getPort());
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "fault-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    public void mode(Mode next) {
        modeEpoch++;
        mode = next;
        if (next != Mode.FORWARD) {
            // connections opened before the fault must suffer it too
            for (Socket socket : open) {
                if (next == Mode.REFUSE) {
                    closeQuietly(socket);
                }
            }
        }
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                if (mode == Mode.REFUSE) {
                    client.setSoLinger(true, 0);
                    closeQuietly(client);
                    continue;
                }
                Socket upstream = new Socket();
                upstream.connect(target, 5_000);
                open.add(client);
                open.add(upstream);
                Sent sent = new Sent();
                pump(client, upstream, false, sent);
                pump(upstream, client, true, sent);
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    /** What the client sent on one connection since the mode last changed. */
    private final class Sent {
        private long epoch = -1;
        private long bytes;

        synchronized void add(int n) {
            bytes = (epoch == modeEpoch ? bytes : 0) + n;
            epoch = modeEpoch;
        }

        synchronized boolean atLeast(long n) {
            return epoch == modeEpoch && bytes >= n;
        }
    }

    private void pump(Socket from, Socket to, boolean replies, Sent sent) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            boolean cutScheduled = false;
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    Mode now = mode;
                    if (!replies) {
                        sent.add(n);
                    }
                    if (now == Mode.CUT_REPLIES && replies && sent.atLeast(CUT_AFTER_BYTES)) {
                        // swallow the answers; close a moment later, once the rest of what the client sent has
                        // reached the server (a pipelined client may still be sending when the first answer comes)
                        if (!cutScheduled) {
                            cutScheduled = true;
                            CUTTER.schedule(() -> {
                                closeQuietly(from);
                                closeQuietly(to);
                            }, CUT_DELAY_MILLIS, TimeUnit.MILLISECONDS);
                        }
                        continue;
                    }
                    if (now == Mode.FORWARD || now == Mode.CUT_REPLIES) {
                        out.write(buffer, 0, n);
                        out.flush();
                    } else if (now == Mode.REFUSE) {
                        break;
                    }
                    // BLACKHOLE: swallowed; the client waits until its socket timeout
                    if (now == Mode.BLACKHOLE) {
                        swallowedBytes.addAndGet(n);
                    }
                }
            } catch (IOException e) {
                // the other side closed
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
            }
        }, "fault-proxy-" + (replies ? "down" : "up"));
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    /** Bytes {@link Mode#BLACKHOLE} swallowed, either way, on any connection. */
    public long swallowedBytes() {
        return swallowedBytes.get();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        open.forEach(FaultProxy::closeQuietly);
    }
}
