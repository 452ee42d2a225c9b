package io.killkrill.receivers.http;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What the HTTP receiver needs of the configuration.
 *
 * @param port              0 binds an ephemeral port
 * @param maxBodyBytes      largest body, as sent and once inflated (413 above)
 * @param maxItems          most items in one request (413 above)
 * @param memoryBudgetBytes heap that bodies and their decoded items may hold at once, all requests together
 * @param bodyTimeout       from a request's headers to the end of its body (408 after)
 * @param idleTimeout       a connection with no request in progress (headers incomplete included) is closed after
 * @param apiKeys           empty: ingestion is open
 */
public record HttpSettings(int port, long maxBodyBytes, int maxItems, String logsStream, String metricsStream,
                           long memoryBudgetBytes, Duration bodyTimeout, Duration idleTimeout,
                           List<String> apiKeys) {
    public HttpSettings {
        Objects.requireNonNull(logsStream, "logsStream");
        Objects.requireNonNull(metricsStream, "metricsStream");
        Objects.requireNonNull(bodyTimeout, "bodyTimeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        apiKeys = List.copyOf(apiKeys);
    }
}
