package io.killkrill.it.receivers;

import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** With KILLKRILL_HTTP_API_KEYS set, ingestion needs a key; health and /metrics stay open. */
@ExtendWith(RedisExtension.class)
class ApiKeyIT {
    private static final byte[] EVENT = "{\"message\":\"m\",\"service\":\"s\"}".getBytes(StandardCharsets.UTF_8);
    private static final String FIRST = "first-key-0123456789";
    private static final String SECOND = "second-key-0123456789";
    private ReceiversUnderTest service;

    @BeforeEach
    void start(RedisService redis) throws Exception {
        service = ReceiversUnderTest.start(redis, "apikey", c -> c.withApiKeys(List.of(FIRST, SECOND)));
    }

    @AfterEach
    void stop() {
        service.close();
    }

    @Test
    void ingestionWithoutOrWithAWrongKeyIs401() {
        assertThat(service.post("/api/v1/logs", "application/json", EVENT).statusCode()).isEqualTo(401);
        assertThat(service.post("/api/v1/logs", "application/json", EVENT, "Authorization", "Bearer wrong")
                .statusCode()).isEqualTo(401);
        assertThat(service.post("/api/v1/metrics", "application/json", EVENT, "X-API-Key",
                FIRST.substring(0, FIRST.length() - 1))
                .statusCode()).isEqualTo(401);
        assertThat(service.post("/api/v1/logs", "application/json", EVENT, "Authorization", "Basic " + FIRST)
                .statusCode()).isEqualTo(401);
        assertThat(service.length(service.streams.logs())).isZero();
    }

    @Test
    void eitherHeaderWithAConfiguredKeyIs202() {
        assertThat(service.post("/api/v1/logs", "application/json", EVENT, "Authorization", "Bearer " + SECOND)
                .statusCode()).isEqualTo(202);
        assertThat(service.post("/api/v1/logs", "application/json", EVENT, "X-API-Key", FIRST)
                .statusCode()).isEqualTo(202);
        assertThat(service.length(service.streams.logs())).isEqualTo(2);
    }

    @Test
    void healthAndMetricsStayOpenAndNeverShowTheKeys() {
        assertThat(service.get("/health/live").statusCode()).isEqualTo(200);
        assertThat(service.get("/health/ready").statusCode()).isEqualTo(200);
        var metrics = service.get("/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).doesNotContain(FIRST).doesNotContain(SECOND);
    }
}
