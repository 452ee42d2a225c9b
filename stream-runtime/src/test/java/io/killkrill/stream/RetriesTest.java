package io.killkrill.stream;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one retry mechanism: what it retries, for how long, and how it ends. */
class RetriesTest {
    private static final Duration TINY = Duration.ofMillis(1);

    @Test
    void aRetriableFailureIsRetriedUntilTheCallSucceedsAndEachRetryIsCounted() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger retried = new AtomicInteger();
        Retries retries = Retries.untilStopped("test", "call", e -> e instanceof IllegalStateException, TINY, TINY,
                () -> true).onEachRetry(retried::incrementAndGet);

        String result = retries.call(() -> {
            if (calls.incrementAndGet() < 4) {
                throw new IllegalStateException("not yet");
            }
            return "done";
        });

        assertThat(result).isEqualTo("done");
        assertThat(calls).hasValue(4);
        assertThat(retried).hasValue(3);
    }

    @Test
    void aFailureThatIsNotRetriableIsThrownAtOnce() {
        AtomicInteger calls = new AtomicInteger();
        Retries retries = Retries.untilStopped("test", "call", e -> e instanceof IllegalStateException, TINY, TINY,
                () -> true);
        assertThatThrownBy(() -> retries.call(() -> {
            calls.incrementAndGet();
            throw new IllegalArgumentException("bad data");
        })).isInstanceOf(IllegalArgumentException.class);
        assertThat(calls).hasValue(1);
    }

    @Test
    void retryingEndsWithTheLastFailureOnceTheServiceStops() {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger calls = new AtomicInteger();
        Retries retries = Retries.untilStopped("test", "call", e -> true, TINY, TINY, running::get);
        assertThatThrownBy(() -> retries.call(() -> {
            if (calls.incrementAndGet() == 3) {
                running.set(false);
            }
            throw new IOException("down " + calls.get());
        })).hasRootCauseMessage("down 3");
    }

    @Test
    void aResultThatAsksForAnotherRoundIsRetriedUntilTheDeadline() throws Exception {
        AtomicInteger rounds = new AtomicInteger();
        AtomicInteger heard = new AtomicInteger();
        Retries retries = Retries.untilStopped("test", "round", e -> true, TINY, TINY, () -> true)
                .withDeadline(Duration.ofMillis(200));
        long started = System.nanoTime();
        Integer last = retries.callWhile(rounds::incrementAndGet, n -> true, n -> heard.incrementAndGet());
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(150));
        assertThat(last).isEqualTo(rounds.get()).isGreaterThan(1);
        assertThat(heard.get()).isEqualTo(rounds.get() - 1);
    }

    @Test
    void anInterruptEndsTheWaitWithInterruptedException() throws Exception {
        Retries retries = Retries.untilStopped("test", "call", e -> true, Duration.ofSeconds(10),
                Duration.ofSeconds(10), () -> true);
        CompletableFuture<Throwable> ended = new CompletableFuture<>();
        Thread waiting = new Thread(() -> {
            try {
                retries.call(() -> {
                    throw new IOException("down");
                });
                ended.complete(null);
            } catch (Throwable e) {
                ended.complete(e);
            }
        });
        waiting.start();
        waiting.interrupt();
        assertThat(ended.get(5, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
    }

    @Test
    void aRunnableIsRetriedLikeACall() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        Retries retries = Retries.untilStopped("test", "run", e -> e instanceof IllegalStateException, TINY, TINY,
                () -> true);

        retries.run(() -> {
            if (runs.incrementAndGet() < 3) {
                throw new IllegalStateException("not yet");
            }
        });

        assertThat(runs).hasValue(3);
    }
}
