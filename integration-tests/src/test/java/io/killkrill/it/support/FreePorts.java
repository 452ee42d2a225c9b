package io.killkrill.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ports nothing listens on right now, for the services and stores a test starts, the one way every IT picks them.
 *
 * <p>Not the kernel's ephemeral ports ({@code new ServerSocket(0)}, 32768-60999 on Linux): every outgoing connection
 * of the machine (Jedis, HTTP clients, the services' own) takes its local port from that range, so a port handed out
 * there could be taken by a connection before the service bound it (a metrics-worker of {@code PostgresRestartIT}
 * found its admin port in use and never started). The ports come from 20000-31999 instead, split into one band for each
 * of failsafe's JVMs ({@value #FORKS} of them; this one is {@value #FORK}, {@code ${surefire.forkNumber}}) so that
 * they never hand out the same one, in turn from a random start, each checked free for TCP and UDP (a syslog port
 * takes both). A fork number that is set but not one of 1..forks stops the JVM at once: read as "no number", it put
 * every JVM in the first band, and a port a killed worker of {@code WorkerCrashIT} had just let go went to another
 * JVM's receivers before the worker restarted. Each JVM also holds a lock on its band for as long as it runs (a file in
 * the temporary directory), so a second JVM in the same band, whatever the cause (two builds at once), stops at its
 * first port with that said instead of sharing ports.
 */
public final class FreePorts {
    /** The system property naming this JVM's failsafe fork (1, 2, ...). */
    static final String FORK = "killkrill.it.fork";
    /** The system property saying how many failsafe JVMs there are (failsafe's forkCount). */
    static final String FORKS = "killkrill.it.forks";
    private static final int FIRST = 20_000;
    private static final int SPAN = 12_000;
    private static final Band OWN = Band.of(System.getProperty(FORK), System.getProperty(FORKS));
    private static final int BAND = OWN.size();
    private static final int BASE = OWN.first();
    @SuppressWarnings("unused") // held, never read: the OS releases it when this JVM ends
    private static final FileLock CLAIM = claim(OWN);
    private static final AtomicInteger NEXT = new AtomicInteger(ThreadLocalRandom.current().nextInt(BAND));

    /** The ports {@code first} to {@code first + size - 1}, one JVM's share of 20000-31999. */
    record Band(int first, int size) {
        /**
         * The band of JVM {@code fork} (1..{@code forks}) of {@code forks}. Unset (a single JVM, as an IDE runs an
         * IT): fork 1, and as many bands as the pom's default of forks would make, so that a JVM the build starts
         * alongside never shares one.
         */
        static Band of(String fork, String forks) {
            int bands = forks == null ? 3 : number(FORKS, forks, 1, SPAN);
            int own = fork == null ? 1 : number(FORK, fork, 1, bands);
            int size = SPAN / bands;
            return new Band(FIRST + size * (own - 1), size);
        }

        private static int number(String property, String value, int min, int max) {
            try {
                int number = Integer.parseInt(value.trim());
                if (number >= min && number <= max) {
                    return number;
                }
            } catch (NumberFormatException notANumber) {
                // fall through to the error below
            }
            throw new IllegalStateException("system property " + property + " is '" + value + "', not a number in "
                    + min + ".." + max + ": the failsafe JVMs could hand out the same ports");
        }
    }

    private FreePorts() {
    }

    private static FileLock claim(Band band) {
        Path file = Path.of(System.getProperty("java.io.tmpdir"), "killkrill-it-ports-" + band.first() + "-"
                + (band.first() + band.size() - 1) + ".lock");
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
                throw new IllegalStateException("another JVM hands out ports " + band.first() + "-"
                        + (band.first() + band.size() - 1) + " (it holds " + file + "): check " + FORK + " and " + FORKS
                        + ", or run one build at a time");
            }
            return lock;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + file, e);
        }
    }

    public static int next() {
        for (int tried = 0; tried < BAND; tried++) {
            int port = BASE + Math.floorMod(NEXT.getAndIncrement(), BAND);
            if (free(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port in " + BASE + "-" + (BASE + BAND - 1));
    }

    /** How far above its port a Redis Cluster node opens its cluster bus (Redis' default, as dev-services runs it). */
    public static final int REDIS_CLUSTER_BUS_OFFSET = 10_000;

    /**
     * The first of {@code count} ports in a row, handed out as {@link #next()} hands them out, whose Redis Cluster bus
     * ports ({@value #REDIS_CLUSTER_BUS_OFFSET} higher each) are free too. Only runs whose bus ports lie above every
     * fork's band qualify: {@link #next()} could otherwise hand one of them to another fork's test.
     */
    public static int redisClusterPorts(int count) {
        for (int tried = 0; tried < BAND; tried++) {
            int first = next();
            if (first + REDIS_CLUSTER_BUS_OFFSET < FIRST + SPAN) {
                continue;
            }
            boolean run = true;
            for (int i = 1; i < count && run; i++) {
                run = next() == first + i;
            }
            for (int i = 0; i < count && run; i++) {
                run = free(first + i + REDIS_CLUSTER_BUS_OFFSET);
            }
            if (run) {
                return first;
            }
        }
        throw new IllegalStateException("no " + count + " free ports in a row in " + BASE + "-" + (BASE + BAND - 1)
                + " with free cluster bus ports");
    }

    private static boolean free(int port) {
        try (ServerSocket tcp = new ServerSocket(port); DatagramSocket udp = new DatagramSocket(port)) {
            return tcp.getLocalPort() == port && udp.getLocalPort() == port;
        } catch (IOException inUse) {
            return false;
        }
    }
}
