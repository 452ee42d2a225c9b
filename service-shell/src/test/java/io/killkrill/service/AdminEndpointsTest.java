package io.killkrill.service;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one health body of every service (issue 14: three bodies before), and the query-string errors named. */
class AdminEndpointsTest {

    @Test
    void readinessNamesTheFailingCheckAndAnswers503() {
        AtomicReference<Health> health = new AtomicReference<>(Health.of(HealthCheck.up("redis"),
                HealthCheck.down("postgresql", "connection refused")));
        AdminEndpoints endpoints = new AdminEndpoints(health::get, () -> "# EOF\n");

        AdminEndpoints.Response down = endpoints.answer(AdminEndpoints.READY).orElseThrow();
        health.set(Health.of(HealthCheck.up("redis"), HealthCheck.up("postgresql")));
        AdminEndpoints.Response up = endpoints.answer(AdminEndpoints.READY).orElseThrow();

        assertThat(down.status()).isEqualTo(503);
        assertThat(down.body()).isEqualTo("{\"status\":\"DOWN\",\"failing\":[\"postgresql\"],\"checks\":["
                + "{\"name\":\"redis\",\"status\":\"UP\"},"
                + "{\"name\":\"postgresql\",\"status\":\"DOWN\",\"reason\":\"connection refused\"}]}");
        assertThat(up.status()).isEqualTo(200);
        assertThat(up.body()).startsWith("{\"status\":\"UP\",\"failing\":[]");
        assertThat(endpoints.answer(AdminEndpoints.LIVE).orElseThrow().body())
                .isEqualTo("{\"status\":\"UP\",\"failing\":[],\"checks\":[]}");
        assertThat(endpoints.answer("/api/v1/x")).isEmpty();
    }

    @Test
    void brokenPercentEncodingNamesTheParameter() {
        assertThat(QueryString.parse("name=a%20b&to=1")).containsEntry("name", "a b").containsEntry("to", "1");
        assertThatThrownBy(() -> QueryString.parse("name=ok&from=%zz"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("query parameter 'from' is not valid percent-encoding");
    }
}
