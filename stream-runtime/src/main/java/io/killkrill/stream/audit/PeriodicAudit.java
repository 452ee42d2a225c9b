package io.killkrill.stream.audit;

import io.killkrill.model.AuditSlot;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A worker's own audit, every {@link #INTERVAL}: the last {@link #SPAN} up to {@link #SETTLE} ago (items of the
 * latest minutes are still on their way), its count of minutes that do not reconcile in the gauge
 * {@code killkrill_<service>_audit_unreconciled} (-1 until the first audit, and while one cannot read a store),
 * and their table in a WARN log line. Not {@code ..._minutes}: promtool takes that for a duration in the wrong
 * unit.
 */
public final class PeriodicAudit implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PeriodicAudit.class);
    public static final Duration INTERVAL = Duration.ofMinutes(1);
    public static final Duration SPAN = Duration.ofHours(1);
    public static final Duration SETTLE = Duration.ofMinutes(2);

    private final AuditCommand.Audit audit;
    private final Clock clock;
    private final AtomicInteger unreconciled = new AtomicInteger(-1);
    private final ScheduledExecutorService scheduler;

    public PeriodicAudit(String meterPrefix, AuditCommand.Audit audit, MeterRegistry registry, Clock clock) {
        this.audit = audit;
        this.clock = clock;
        Gauge.builder(meterPrefix + ".audit.unreconciled", unreconciled, AtomicInteger::get)
                .description("Minutes of the last hour (up to 2 minutes ago) whose accepted items are not all"
                        + " stored, dead-lettered or pending (-1: not audited yet, or a store could not be read).")
                .register(registry);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "audit");
            t.setDaemon(true);
            return t;
        });
    }

    public PeriodicAudit start() {
        scheduler.scheduleWithFixedDelay(this::runOnce, INTERVAL.toMillis(), INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
        return this;
    }

    /** One audit now; its result is in the gauge. */
    public void runOnce() {
        long to = AuditSlot.minuteOf(clock.instant().minus(SETTLE));
        long from = AuditSlot.minuteOf(clock.instant().minus(SPAN));
        try {
            AuditTable table = audit.run(new AuditCommand.Range(from, to, Optional.empty()));
            unreconciled.set(table.unreconciled().size());
            if (!table.reconciled()) {
                LOG.warn("audit: {} minutes do not reconcile (docs/operations.md, Audit):\n{}",
                        table.unreconciled().size(), table.render());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            unreconciled.set(-1);
            LOG.warn("audit: could not read a store: {}", e.toString());
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
