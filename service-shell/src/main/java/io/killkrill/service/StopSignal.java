package io.killkrill.service;

import sun.misc.Signal;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * How a service learns it must stop: SIGTERM (or SIGINT). {@link #install()} replaces the JVM's default handling
 * (run the shutdown hooks and exit 143) with a latch, so a stop requested at any moment after it, even while the
 * service is still starting, is a clean stop that exits 0. {@link ServiceMain} installs it before the service binds
 * a port or says it is listening.
 */
public final class StopSignal {
    private final CountDownLatch requested = new CountDownLatch(1);

    private StopSignal() {
    }

    public static StopSignal install() {
        StopSignal stop = new StopSignal();
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), signal -> stop.requested.countDown());
        }
        return stop;
    }

    public boolean requested() {
        return requested.getCount() == 0;
    }

    /** Blocks until the stop is requested. */
    public void await() throws InterruptedException {
        requested.await();
    }

    /** Waits at most {@code millis}; whether the stop was requested. */
    public boolean await(long millis) throws InterruptedException {
        return requested.await(millis, TimeUnit.MILLISECONDS);
    }
}
