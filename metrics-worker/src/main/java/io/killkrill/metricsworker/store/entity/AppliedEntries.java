package io.killkrill.metricsworker.store.entity;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * Stream entries whose samples' effect is already in {@link WindowAggregate} rows: every entry whose ID lies
 * in the closed range [{@code firstKey}, {@code lastKey}] (stream entry IDs as milliseconds * 2^64 +
 * sequence). Written in the same transaction as the aggregates, so an entry redelivered after a crash between
 * commit and acknowledgement is recognised and skipped; deleted once its entries are acknowledged. Ranges
 * never overlap (an exclusion constraint), which is what serialises two workers applying the same entry.
 */
@Entity
@Table(name = "applied_entries")
public class AppliedEntries {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    @Column(name = "id", nullable = false)
    private Long id;

    @Column(name = "first_key", nullable = false, precision = 45, scale = 0)
    private BigDecimal firstKey;

    @Column(name = "last_key", nullable = false, precision = 45, scale = 0)
    private BigDecimal lastKey;

    @Column(name = "consumer", nullable = false)
    private String consumer;

    @Column(name = "applied_at", nullable = false)
    private Instant appliedAt;

    /** When the sweep saw every entry of the range acknowledged; the row is deleted a retention period later. */
    @Column(name = "settled_at")
    private Instant settledAt;

    protected AppliedEntries() {
    }

    public Long getId() {
        return id;
    }

    public BigDecimal getFirstKey() {
        return firstKey;
    }

    public BigDecimal getLastKey() {
        return lastKey;
    }

    public String getConsumer() {
        return consumer;
    }

    public Instant getAppliedAt() {
        return appliedAt;
    }
}
