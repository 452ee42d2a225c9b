package io.killkrill.service;

import java.time.Duration;

/**
 * The lifecycle every KillKrill service has, driven by {@link ServiceMain} (and by tests in-process), like
 * testcontainers' {@code Startable}:
 * <ol>
 *   <li>{@link #start()} opens what the service needs and binds its ports; when it returns the service is
 *       listening. It throws {@link io.killkrill.config.ConfigException} for a setting it cannot use (exit 2),
 *       {@link IncompatibleContractException} when a store holds a schema or key it cannot work with (exit 3),
 *       anything else when it cannot start (exit 1); it releases what it opened before it throws.
 *       A store that is merely unreachable is not a start failure: the service starts and is not ready.</li>
 *   <li>{@link #health()} may be called at any time after {@code start} returns, from any thread: the readiness
 *       checks (each store the service needs answers, its loops run). It never throws.</li>
 *   <li>{@link #stop(Duration)} stops taking new work, finishes what is in flight for at most {@code grace}
 *       (what is not finished by then stays unacknowledged, to be taken over), releases everything. Idempotent;
 *       safe after a failed or partial start.</li>
 * </ol>
 */
public interface Service {

    /** The service's name in logs, exit messages and meters: {@code receivers}, {@code log-worker}, ... */
    String name();

    /** Starts the service; returns it (started and listening), for chaining in tests. */
    Service start() throws Exception;

    Health health();

    void stop(Duration grace);
}
