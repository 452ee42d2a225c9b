package io.killkrill.it.support;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.ServerSocket;
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
 * takes both).
 */
public final class FreePorts {
    /** The system property naming this JVM's failsafe fork (1, 2, ...). */
    static final String FORK = "killkrill.it.fork";
    /** The system property saying how many failsafe JVMs there are (failsafe's forkCount). */
    static final String FORKS = "killkrill.it.forks";
    private static final int FIRST = 20_000;
    private static final int SPAN = 12_000;
    private static final int BANDS = Math.max(1, Integer.getInteger(FORKS, 2));
    private static final int BAND = SPAN / BANDS;
    private static final int BASE = FIRST + BAND * (Math.floorMod(Integer.getInteger(FORK, 1) - 1, BANDS));
    private static final AtomicInteger NEXT = new AtomicInteger(ThreadLocalRandom.current().nextInt(BAND));

    private FreePorts() {
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
