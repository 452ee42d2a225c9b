package io.killkrill.stream;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import dev.failsafe.function.CheckedRunnable;
import dev.failsafe.function.CheckedSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * KillKrill's one retry mechanism (in the manner of Kafka Connect's {@code RetryWithToleranceOperator}): Failsafe
 * with exponential backoff, 25% jitter, an optional deadline, and interruption on shutdown. Every wait for a store
 * to come back — Redis in the runtime, Elasticsearch and PostgreSQL in the sinks — goes through {@link #call}.
 *
 * @param stage      named in every log line ({@code stage=persist ...})
 * @param what       what is being retried, for the log
 * @param retriable  which failures are worth waiting out; any other is thrown at once
 * @param initial    first delay, doubling each attempt
 * @param max        longest delay
 * @param deadline   give up (throw the last failure) after this long; {@link Duration#ZERO} for never
 * @param keepGoing  false once the service is stopping: the last failure is thrown instead of waiting again
 * @param onRetry    called before each retry (a counter of retries)
 */
public record Retries(String stage, String what, Predicate<Throwable> retriable, Duration initial, Duration max,
                      Duration deadline, BooleanSupplier keepGoing, Runnable onRetry) {
    private static final Logger LOG = LoggerFactory.getLogger(Retries.class);

    public Retries {
        Objects.requireNonNull(stage, "stage");
        Objects.requireNonNull(what, "what");
        Objects.requireNonNull(retriable, "retriable");
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        Objects.requireNonNull(deadline, "deadline");
        Objects.requireNonNull(keepGoing, "keepGoing");
        Objects.requireNonNull(onRetry, "onRetry");
    }

    /** Retries {@code retriable} failures until {@code keepGoing} turns false, never giving up on its own. */
    public static Retries untilStopped(String stage, String what, Predicate<Throwable> retriable, Duration initial,
                                       Duration max, BooleanSupplier keepGoing) {
        return new Retries(stage, what, retriable, initial, max, Duration.ZERO, keepGoing, () -> { });
    }

    public Retries withDeadline(Duration newDeadline) {
        return new Retries(stage, what, retriable, initial, max, newDeadline, keepGoing, onRetry);
    }

    public Retries onEachRetry(Runnable action) {
        return new Retries(stage, what, retriable, initial, max, deadline, keepGoing, action);
    }

    private <T> RetryPolicy<T> policy(Predicate<T> again, Consumer<T> onResultRetry) {
        var builder = RetryPolicy.<T>builder()
                .handleIf(e -> !(e instanceof InterruptedException) && keepGoing.getAsBoolean() && retriable.test(e))
                .handleResultIf(result -> keepGoing.getAsBoolean() && again.test(result))
                .withBackoff(initial, max.compareTo(initial) > 0 ? max : initial.plusMillis(1))
                .withJitter(0.25)
                .withMaxRetries(-1)
                .onRetry(e -> {
                    if (e.getLastException() == null) {
                        onResultRetry.accept(e.getLastResult());
                        return;
                    }
                    onRetry.run();
                    LOG.warn("stage={} {} failed (attempt {}), retrying: {}", stage, what, e.getAttemptCount(),
                            String.valueOf(e.getLastException()));
                });
        if (!deadline.isZero()) {
            builder.withMaxDuration(deadline);
        }
        return builder.build();
    }

    /**
     * Runs {@code call} until it succeeds, a failure is not retriable, the deadline passes or the service stops;
     * then throws that last failure (unchecked as it was; checked ones wrapped). An interrupt of the waiting thread
     * ends the wait with {@link InterruptedException}.
     */
    public <T> T call(CheckedSupplier<T> call) throws InterruptedException {
        return callWhile(call, result -> false, result -> { });
    }

    /**
     * Like {@link #call}, and also calls again (with the same backoff and deadline) while {@code again} holds
     * for the result; the result of the last call is returned when the deadline passes. {@code onResultRetry}
     * hears of each such result before the retry.
     */
    public <T> T callWhile(CheckedSupplier<T> call, Predicate<T> again, Consumer<T> onResultRetry)
            throws InterruptedException {
        try {
            return Failsafe.with(this.policy(again, onResultRetry)).get(call);
        } catch (FailsafeException e) {
            if (e.getCause() instanceof InterruptedException || Thread.currentThread().isInterrupted()) {
                Thread.interrupted();
                throw new InterruptedException("stopped while retrying " + what);
            }
            throw e;
        }
    }

    public void run(CheckedRunnable run) throws InterruptedException {
        call(() -> {
            run.run();
            return null;
        });
    }
}
