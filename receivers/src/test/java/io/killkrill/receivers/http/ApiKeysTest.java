package io.killkrill.receivers.http;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ApiKeysTest {
    private static final String FIRST = "first-key-0123456789";
    private static final String SECOND = "second-key-abcdefghij";

    private static HttpHeaders headers(String name, String value) {
        return new DefaultHttpHeaders().set(name, value);
    }

    @Test
    void eitherHeaderWithAnyConfiguredKeyPermits() {
        ApiKeys keys = new ApiKeys(List.of(FIRST, SECOND));

        assertThat(keys.permits(headers("Authorization", "Bearer " + SECOND))).isTrue();
        assertThat(keys.permits(headers("authorization", "bearer " + FIRST))).isTrue();
        assertThat(keys.permits(headers("X-API-Key", FIRST))).isTrue();
    }

    @Test
    void prefixesExtensionsOtherSchemesAndNoKeyAreRefused() {
        ApiKeys keys = new ApiKeys(List.of(FIRST, SECOND));

        assertThat(keys.permits(new DefaultHttpHeaders())).isFalse();
        assertThat(keys.permits(headers("X-API-Key", FIRST.substring(0, FIRST.length() - 1)))).isFalse();
        assertThat(keys.permits(headers("X-API-Key", FIRST + "x"))).isFalse();
        assertThat(keys.permits(headers("X-API-Key", ""))).isFalse();
        assertThat(keys.permits(headers("Authorization", "Basic " + FIRST))).isFalse();
        assertThat(keys.permits(headers("Authorization", "Bearer "))).isFalse();
    }

    @Test
    void elasticsearchShippersPresentTheKeyAsApiKeyOrAsTheBasicAuthPassword() {
        ApiKeys keys = new ApiKeys(List.of(FIRST, SECOND));
        Base64.Encoder base64 = Base64.getEncoder();

        assertThat(keys.permits(headers("Authorization", "ApiKey " + FIRST))).isTrue();
        assertThat(keys.permits(headers("Authorization", "ApiKey "
                + base64.encodeToString(("filebeat:" + SECOND).getBytes(StandardCharsets.UTF_8))))).isTrue();
        assertThat(keys.permits(headers("Authorization", "Basic "
                + base64.encodeToString(("vector:" + FIRST).getBytes(StandardCharsets.UTF_8))))).isTrue();
        assertThat(keys.permits(headers("Authorization", "Basic "
                + base64.encodeToString((FIRST + ":x").getBytes(StandardCharsets.UTF_8))))).isFalse();
        assertThat(keys.permits(headers("Authorization", "ApiKey "
                + base64.encodeToString(("id:" + FIRST + "x").getBytes(StandardCharsets.UTF_8))))).isFalse();
        assertThat(keys.permits(headers("Authorization", "ApiKey "))).isFalse();
    }

    @Test
    void noKeysMeansOpenAndAShortKeyIsRefused() {
        assertThat(new ApiKeys(List.of()).permits(new DefaultHttpHeaders())).isTrue();
        assertThat(new ApiKeys(List.of()).required()).isFalse();
        assertThatThrownBy(() -> new ApiKeys(List.of("short-key"))).hasMessageContaining("at least 16 characters");
    }
}
