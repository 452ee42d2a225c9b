package io.killkrill.receivers.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * The API keys of the ingestion endpoints. None configured means open; that can only be chosen by leaving
 * {@code KILLKRILL_HTTP_API_KEYS} unset (a set value that yields no key is a configuration error, see
 * {@code ReceiversSettings.HTTP_API_KEYS}). A presented key is compared with every configured key, always all of
 * them, as SHA-256 digests with {@link MessageDigest#isEqual}: the time taken depends neither on where the
 * first differing byte is nor on the lengths of the keys.
 */
final class ApiKeys {
    /** Shortest key accepted: 16 characters (96 bits and more from a random base64 or hex generator). */
    static final int MIN_LENGTH = 16;

    private final List<byte[]> digests;

    ApiKeys(List<String> keys) {
        for (String key : keys) {
            if (key.length() < MIN_LENGTH) {
                throw new IllegalArgumentException("an API key must have at least " + MIN_LENGTH + " characters");
            }
        }
        this.digests = keys.stream().map(ApiKeys::digest).toList();
    }

    boolean required() {
        return !digests.isEmpty();
    }

    boolean permits(HttpHeaders headers) {
        if (digests.isEmpty()) {
            return true;
        }
        String presented = presented(headers);
        if (presented.isEmpty()) {
            return false;
        }
        byte[] candidate = digest(presented);
        boolean match = false;
        for (byte[] key : digests) {
            match |= MessageDigest.isEqual(key, candidate);
        }
        return match;
    }

    /** The key a request presents ({@code X-API-Key}, else {@code Authorization: Bearer}); empty when none. */
    static String presented(HttpHeaders headers) {
        String presented = headers.get("X-API-Key");
        String authorization = headers.get(HttpHeaderNames.AUTHORIZATION);
        if (presented == null && authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            presented = authorization.substring(7).trim();
        }
        return presented == null ? "" : presented;
    }

    private static byte[] digest(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
