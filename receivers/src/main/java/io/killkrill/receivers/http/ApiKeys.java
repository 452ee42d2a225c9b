package io.killkrill.receivers.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/** The API keys of the ingestion endpoints, compared in constant time; none configured means open. */
final class ApiKeys {
    private final List<byte[]> keys;

    ApiKeys(List<String> keys) {
        this.keys = keys.stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
    }

    boolean permits(HttpHeaders headers) {
        if (keys.isEmpty()) {
            return true;
        }
        String presented = headers.get("X-API-Key");
        String authorization = headers.get(HttpHeaderNames.AUTHORIZATION);
        if (presented == null && authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            presented = authorization.substring(7).trim();
        }
        if (presented == null || presented.isEmpty()) {
            return false;
        }
        byte[] candidate = presented.getBytes(StandardCharsets.UTF_8);
        boolean match = false;
        for (byte[] key : keys) {
            match |= MessageDigest.isEqual(key, candidate);
        }
        return match;
    }
}
