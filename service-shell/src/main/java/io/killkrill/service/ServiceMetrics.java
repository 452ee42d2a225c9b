package io.killkrill.service;

import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The one meter registry of a service, scraped on its {@code /metrics}: the service's own meters
 * ({@code killkrill_<service>_...}, docs/metrics.md) next to the JVM's heap, memory pools and threads
 * ({@code jvm_memory_*}, {@code jvm_threads_*}), the same in every service.
 */
public final class ServiceMetrics {
    private ServiceMetrics() {
    }

    public static PrometheusMeterRegistry newRegistry() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        return registry;
    }
}
