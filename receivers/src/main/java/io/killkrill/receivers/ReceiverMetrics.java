package io.killkrill.receivers;

import io.killkrill.service.ServiceMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The receivers' meters, exposed on GET /metrics, all named {@code killkrill_receivers_*} (docs/metrics.md lists
 * them with their labels). Every tag value comes from a closed set: {@code source} and {@code kind} are fixed by the
 * transport, {@code reason} and {@code outcome} are literals of the callers, {@code path} is a {@code Route} tag
 * (never the request's own path), {@code status} is an HTTP status the receivers answer, {@code stream} a
 * configured stream.
 */
public final class ReceiverMetrics {
    /** The statuses the receivers answer (docs/metrics.md lists them as the {@code status} tag's values). */
    private static final Set<Integer> ANSWERED_STATUSES = Set.of(200, 202, 400, 401, 404, 405, 408, 409, 413, 415,
            417, 429, 431, 500, 503);
    private final PrometheusMeterRegistry registry = ServiceMetrics.newRegistry();
    private final Timer xadd;

    public ReceiverMetrics() {
        xadd = Timer.builder("killkrill.receivers.xadd.batch").description("Time of one pipelined XADD batch")
                .publishPercentileHistogram(false).register(registry);
    }

    // hot paths count per message: look counters up once per tag set, not through a builder each time
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    /** What function counters read, held here so they are not collected. */
    private final List<Object> measured = new CopyOnWriteArrayList<>();

    private Counter counter(String name, String description, String... tags) {
        String key = name + '|' + String.join("|", tags);
        Counter counter = counters.get(key);
        if (counter == null) {
            counter = counters.computeIfAbsent(key, k -> Counter.builder(name).description(description)
                    .tags(tags).register(registry));
        }
        return counter;
    }

    public void received(String source, String kind, int count) {
        if (count > 0) {
            counter("killkrill.receivers.items.received", "Items received, before validation", "source", source,
                    "kind", kind).increment(count);
        }
    }

    public void accepted(String source, String kind, int count) {
        if (count > 0) {
            counter("killkrill.receivers.items.accepted", "Items stored in Redis", "source", source, "kind", kind)
                    .increment(count);
        }
    }

    public void rejected(String source, String kind, String reason, int count) {
        if (count > 0) {
            counter("killkrill.receivers.items.rejected", "Items refused or not stored, by reason", "source", source,
                    "kind", kind, "reason", reason).increment(count);
        }
    }

    public void deadLettered(String reason) {
        counter("killkrill.receivers.items.dead_lettered", "Syslog messages written to the dead-letter stream",
                "reason", reason).increment();
    }

    /**
     * @param path   a route's tag, never a request's own path
     * @param status the answer's status; a replayed answer's status is read back from Redis, so a code the receivers
     *               never answer is tagged {@code other} rather than trusted to be one of theirs
     */
    public void httpRequest(String path, int status, long nanos) {
        String statusTag = ANSWERED_STATUSES.contains(status) ? Integer.toString(status) : "other";
        Timer.builder("killkrill.receivers.http.request").description("HTTP request handling time")
                .tag("path", path).tag("status", statusTag).register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    public void xaddBatch(long nanos, int entries) {
        xadd.record(nanos, TimeUnit.NANOSECONDS);
        counter("killkrill.receivers.xadd.entries", "Entries written by pipelined XADD").increment(entries);
    }

    public void abandonedOnShutdown(int entries) {
        rejected("syslog", "logs", "shutdown_redis_unavailable", entries);
    }

    /** A round trip whose replies were lost, resolved from its marker once Redis answered again. */
    public void inDoubtResolved(int storedEntries, int notStoredEntries) {
        String description = "Entries of writes in doubt (connection cut before the reply), by what Redis held "
                + "afterwards";
        counter("killkrill.receivers.in_doubt.resolved", description, "outcome", "stored").increment(storedEntries);
        counter("killkrill.receivers.in_doubt.resolved", description, "outcome", "not_stored")
                .increment(notStoredEntries);
    }

    /** Entries of writes in doubt when the receiver stopped with Redis still down: their outcome is unknown. */
    public void inDoubtOnShutdown(int entries) {
        counter("killkrill.receivers.in_doubt.unresolved", "Entries whose write was in doubt when the receiver stopped "
                + "with Redis down").increment(entries);
    }

    /**
     * A round trip the master ran but whose {@code WAIT} fell short of KILLKRILL_REDIS_MIN_REPLICA_ACKS: entries of
     * HTTP writes answered 503 ({@code fail_fast}) and of syslog writes held until the replicas acknowledge them
     * ({@code until_stored}).
     */
    public void notReplicated(int failFastEntries, int untilStoredEntries) {
        String description = "Entries the Redis master stored but fewer replicas than KILLKRILL_REDIS_MIN_REPLICA_ACKS "
                + "acknowledged in time, by what the receivers did: answered 503, or held until acknowledged";
        counter("killkrill.receivers.replica_acks.short", description, "delivery", "fail_fast")
                .increment(failFastEntries);
        counter("killkrill.receivers.replica_acks.short", description, "delivery", "until_stored")
                .increment(untilStoredEntries);
    }

    /** A request whose Idempotency-Key was already answered: the stored answer was sent again. */
    public void idempotentReplay(String kind) {
        counter("killkrill.receivers.idempotent.replays", "HTTP requests answered with the stored answer of an earlier "
                + "request with the same Idempotency-Key (nothing stored)", "kind", kind).increment();
    }

    /** 1 while the flow gate lets syslog TCP, TLS and RELP read, 0 while they are paused. */
    public void flowGateGauge(Supplier<Number> value) {
        Gauge.builder("killkrill.receivers.flow.gate.open", value)
                .description("1 while the receivers read from syslog TCP/TLS/RELP connections, 0 while paused")
                .register(registry);
    }

    /** Datagrams the kernel dropped on the syslog UDP socket (its receive buffer full), read from /proc. */
    public void udpKernelDrops(Supplier<Number> drops) {
        measured.add(drops); // Micrometer holds a function counter's object weakly: keep it alive
        FunctionCounter.builder("killkrill.receivers.udp.kernel.drops", drops, d -> d.get().doubleValue())
                .description("Syslog UDP datagrams the kernel dropped before the receiver read them (receive buffer "
                        + "full; RcvbufErrors)").register(registry);
    }

    public void backlogGauge(String stream, Supplier<Number> value) {
        Gauge.builder("killkrill.receivers.backlog", value).description("Entries of a stream not yet acknowledged")
                .baseUnit("entries").tag("stream", stream).register(registry);
    }

    public void httpBodyBudgetGauge(Supplier<Number> used) {
        Gauge.builder("killkrill.receivers.http.body.budget.used", used)
                .description("Heap reserved by HTTP request bodies and their decoded items (KILLKRILL_HTTP_MEMORY_BUDGET)")
                .baseUnit("bytes").register(registry);
    }

    public String scrape() {
        return registry.scrape();
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }
}
