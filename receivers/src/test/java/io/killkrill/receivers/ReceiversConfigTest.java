package io.killkrill.receivers;

import io.killkrill.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * KILLKRILL_HTTP_API_KEYS cannot switch authentication off by accident (issue 13, item 6): a set value that yields no
 * key, or a key shorter than 16 characters, is a configuration error naming the variable (never echoing it);
 * unset means open.
 */
class ReceiversConfigTest {
    private static Map<String, String> env(String... pairs) {
        java.util.HashMap<String, String> env = new java.util.HashMap<>();
        env.put("KILLKRILL_REDIS_URL", "redis://localhost:6379");
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    @Test
    void aSetValueHoldingNoKeyIsAConfigurationError() {
        for (String value : List.of(",", " ", " , ,", "\t")) {
            assertThatThrownBy(() -> ReceiversSettings.DEFINITION.parse(env("KILLKRILL_HTTP_API_KEYS", value)))
                    .as("KILLKRILL_HTTP_API_KEYS='%s'", value).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("KILLKRILL_HTTP_API_KEYS='****' holds no key");
        }
    }

    @Test
    void aShortKeyIsAConfigurationErrorThatDoesNotShowTheKey() {
        assertThatThrownBy(() -> ReceiversSettings.DEFINITION.parse(env("KILLKRILL_HTTP_API_KEYS",
                "long-enough-key-0001,tiny")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("KILLKRILL_HTTP_API_KEYS='****' holds 1 key(s) shorter than 16 characters")
                .hasMessageNotContaining("tiny");
    }

    @Test
    void keysAndHttpBoundsAreRead() {
        ReceiversConfig config = ReceiversConfig.from(ReceiversSettings.DEFINITION.parse(env(
                "KILLKRILL_HTTP_API_KEYS", " long-enough-key-0001 , long-enough-key-0002,",
                "KILLKRILL_HTTP_MEMORY_BUDGET", "32MiB", "KILLKRILL_HTTP_BODY_TIMEOUT", "5s")));

        assertThat(config.apiKeys()).containsExactly("long-enough-key-0001", "long-enough-key-0002");
        assertThat(config.httpBounds()).isEqualTo(new ReceiversConfig.HttpBounds(32L << 20, Duration.ofSeconds(5),
                Duration.ofSeconds(60)));
    }

    @Test
    void unsetMeansNoAuthenticationButSetToEmptyIsAnError() {
        assertThat(ReceiversConfig.from(ReceiversSettings.DEFINITION.parse(env())).apiKeys()).isEmpty();
        ReceiversSettings.refuseEmptyApiKeys(env());
        assertThatThrownBy(() -> ReceiversSettings.refuseEmptyApiKeys(env("KILLKRILL_HTTP_API_KEYS", "")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("KILLKRILL_HTTP_API_KEYS='' holds no key");
        assertThatThrownBy(() -> ReceiversSettings.refuseEmptyApiKeys(env("KILLKRILL_API_KEYS", "")))
                .as("the deprecated name set to empty").isInstanceOf(ConfigException.class)
                .hasMessageContaining("KILLKRILL_API_KEYS='' holds no key");
    }
}
