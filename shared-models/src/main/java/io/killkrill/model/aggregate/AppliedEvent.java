package io.killkrill.model.aggregate;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.UUID;

/**
 * The ID of a sample whose effect is already in {@link WindowAggregate} rows. Written in the same transaction
 * as the aggregates, so a sample redelivered after a crash between commit and acknowledgement is recognised
 * and skipped; deleted once its stream entry is acknowledged.
 */
@Entity
@Table(name = "applied_events")
public class AppliedEvent {
    @Id
    @Column(name = "event_id", nullable = false)
    private UUID eventId;

    @Column(name = "applied_at", nullable = false)
    private Instant appliedAt;

    protected AppliedEvent() {
    }

    public AppliedEvent(UUID eventId, Instant appliedAt) {
        this.eventId = eventId;
        this.appliedAt = appliedAt;
    }

    public UUID getEventId() {
        return eventId;
    }

    public Instant getAppliedAt() {
        return appliedAt;
    }
}
