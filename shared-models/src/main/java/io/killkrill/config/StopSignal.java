package io.killkrill.config;

import sun.misc.Signal;

import java.util.concurrent.CountDownLatch;

/**
 * How a KillKrill service learns it must stop: SIGTERM (or SIGINT). A service main waits here, then closes
 * its service, which finishes and acknowledges the work in flight, and exits 0. Handling the signal instead of
 * relying on a shutdown hook is what lets the exit status say "clean stop" (0) rather than "killed" (143).
 */
public final class StopSignal {
    private StopSignal() {
    }

    /** Blocks until SIGTERM or SIGINT arrives. */
    public static void await() throws InterruptedException {
        CountDownLatch stopRequested = new CountDownLatch(1);
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), signal -> stopRequested.countDown());
        }
        stopRequested.await();
    }
}
