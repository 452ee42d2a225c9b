package io.killkrill.receivers.http;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The heap that HTTP request bodies and what is decoded from them may hold at once, across all connections.
 * A request takes a {@link Reservation} when its headers arrive and grows it before it holds more (the body as
 * it arrives, the inflated body, the decoded items); a request that cannot grow its reservation is refused with
 * 503 and drops what it held. The reservation is given back when the request is answered or its connection
 * closes. Nothing is ever allocated by an announced length: only what arrived, within what was reserved.
 */
final class MemoryBudget {
    private final long limit;
    private final AtomicLong used = new AtomicLong();

    MemoryBudget(long limit) {
        this.limit = limit;
    }

    long limit() {
        return limit;
    }

    long used() {
        return used.get();
    }

    Reservation open() {
        return new Reservation();
    }

    private boolean tryTake(long bytes) {
        while (true) {
            long current = used.get();
            if (current + bytes > limit) {
                return false;
            }
            if (used.compareAndSet(current, current + bytes)) {
                return true;
            }
        }
    }

    /** One request's share; used on its connection's event loop only. */
    final class Reservation {
        private long held;

        /** Grows the reservation to at least {@code bytes}; false (and unchanged) when the budget has no room. */
        boolean ensure(long bytes) {
            if (bytes <= held) {
                return true;
            }
            if (!tryTake(bytes - held)) {
                return false;
            }
            held = bytes;
            return true;
        }

        long held() {
            return held;
        }

        void release() {
            if (held > 0) {
                used.addAndGet(-held);
                held = 0;
            }
        }
    }
}
