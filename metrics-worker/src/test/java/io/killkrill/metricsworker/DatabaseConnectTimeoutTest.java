package io.killkrill.metricsworker;

import io.killkrill.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * KILLKRILL_DATABASE_CONNECT_TIMEOUT bounds each wait for a PostgreSQL connection (HikariCP connectionTimeout, which
 * takes no less than 250 ms): unset it is the 5 s the pool always had; a value outside 250ms..1m or no duration at all
 * is a configuration error naming the variable.
 */
class DatabaseConnectTimeoutTest {
    private static Map<String, String> env(String... pairs) {
        Map<String, String> env = new HashMap<>();
        env.put("KILLKRILL_REDIS_URL", "redis://localhost:6379");
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    private static Duration connectTimeout(String... pairs) {
        return MetricsWorkerConfig.from(MetricsWorkerSettings.DEFINITION.parse(env(pairs))).databaseConnectTimeout();
    }

    @Test
    void unsetItIsFiveSeconds() {
        assertThat(connectTimeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void aDurationWithinTheBoundsIsRead() {
        assertThat(connectTimeout("KILLKRILL_DATABASE_CONNECT_TIMEOUT", "250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(connectTimeout("KILLKRILL_DATABASE_CONNECT_TIMEOUT", "1m")).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void aValueOutsideTheBoundsOrNotADurationIsAConfigurationErrorNamingTheVariable() {
        for (String value : new String[] {"249ms", "0s", "61s", "soon"}) {
            assertThatThrownBy(() -> MetricsWorkerSettings.DEFINITION.parse(env(
                    "KILLKRILL_DATABASE_CONNECT_TIMEOUT", value)))
                    .as("KILLKRILL_DATABASE_CONNECT_TIMEOUT='%s'", value).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("KILLKRILL_DATABASE_CONNECT_TIMEOUT='" + value + "'");
        }
    }
}
