package io.killkrill.stream;

import io.killkrill.model.DeadLetterReason;
import io.killkrill.model.Stage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * The runtime's meters for one stream and consumer group, the same in every worker and named after it:
 * {@code killkrill_<service>_stream_*} ({@code killkrill_log_worker_stream_*},
 * {@code killkrill_metrics_worker_stream_*}) tagged {@code stream} and {@code group}, both from the worker's
 * configuration; {@code dead_lettered} adds {@code reason} and {@code stage}, both enums. Whatever is refused or
 * dropped at a bound is counted here.
 */
public final class StreamMetrics {
    private static final Pattern SERVICE = Pattern.compile("[a-z]+([_-][a-z]+)*");

    private static final String ENTRIES = "entries";

    private final MeterRegistry registry;
    private final String prefix;
    private final Tags tags;
    final Counter delivered;
    final Counter acknowledged;
    final Counter claimed;
    final Counter maxDeliveriesExceeded;
    final Counter deadLettersTrimmed;
    final Counter groupRecreated;
    final Counter isolated;
    final Counter trimmed;
    final Counter consumersRemoved;
    final Counter replicaAcksShort;
    final DistributionSummary batchSize;
    final AtomicLong length = new AtomicLong();
    final AtomicLong lag = new AtomicLong();
    final AtomicLong pending = new AtomicLong();
    final AtomicLong oldestPendingAgeMillis = new AtomicLong();
    final AtomicLong deadLetterLength = new AtomicLong();

    /**
     * @param service the worker running the stream ({@code log-worker}, {@code metrics-worker}): the meters are
     *                named {@code killkrill.<service>.stream.*}, a {@code -} spelled {@code _}
     */
    public StreamMetrics(MeterRegistry registry, String service, String stream, String group) {
        if (!SERVICE.matcher(service).matches()) {
            throw new IllegalArgumentException("a service name is lower-case words joined by - or _, got '"
                    + service + "'");
        }
        this.registry = registry;
        this.prefix = "killkrill." + service.replace('-', '_') + ".stream.";
        this.tags = Tags.of("stream", stream, "group", group);
        delivered = counter("delivered", "Entries handed to the sink (redeliveries included)");
        acknowledged = counter("acknowledged", "Entries acknowledged (XACK) after a final fate");
        claimed = counter("claimed", "Entries claimed (XAUTOCLAIM) from consumers that left them pending");
        maxDeliveriesExceeded = counter("max_deliveries_exceeded",
                "Entries dead-lettered because they were delivered KILLKRILL_MAX_DELIVERIES times");
        deadLettersTrimmed = counter("dead_letters_trimmed",
                "Dead letters removed from the dead-letter stream at KILLKRILL_DLQ_MAX_LENGTH");
        groupRecreated = counter("group_recreated", "Times the consumer group was missing (NOGROUP) and recreated");
        isolated = counter("isolated",
                "Entries of failed batches handed to the sink again one at a time, to isolate a bad entry");
        trimmed = counter("trimmed", "Entries every group had acknowledged, trimmed from the stream");
        replicaAcksShort = counter("replica_acks_short", "Entries read before fewer replicas than"
                + " KILLKRILL_REDIS_MIN_REPLICA_ACKS held them: held back until they did");
        consumersRemoved = counter("consumers_removed",
                "Consumers removed from the group (XGROUP DELCONSUMER): idle, nothing pending");
        batchSize = DistributionSummary.builder(prefix + "batch.size").tags(tags).baseUnit(ENTRIES)
                .description("Entries per batch handed to the sink").register(registry);
        gauge("length", length, "Entries in the stream (XLEN)");
        gauge("lag", lag, "Entries in the stream not yet delivered to the group");
        gauge("pending", pending, "Entries delivered to the group and not yet acknowledged");
        Gauge.builder(prefix + "oldest.pending.age", oldestPendingAgeMillis, v -> v.get() / 1000.0)
                .tags(tags).baseUnit("seconds").description("Idle time of the group's oldest pending entry")
                .register(registry);
        gauge("dead_letter_length", deadLetterLength, "Entries in the dead-letter stream (XLEN)");
    }

    private Counter counter(String name, String description) {
        return Counter.builder(prefix + name).tags(tags).description(description).register(registry);
    }

    private void gauge(String name, AtomicLong value, String description) {
        Gauge.builder(prefix + name, value, AtomicLong::get).tags(tags).baseUnit(ENTRIES).description(description)
                .register(registry);
    }

    void deadLettered(DeadLetterReason reason, Stage stage, long count) {
        Counter.builder(prefix + "dead_lettered").tags(tags).tag("reason", reason.code())
                .tag("stage", stage.wireName()).description("Entries dead-lettered, by reason and stage")
                .register(registry).increment(count);
    }
}
