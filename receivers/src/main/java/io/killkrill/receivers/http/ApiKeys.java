package io.killkrill.receivers.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

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

    /**
     * The key a request presents; empty when none. {@code X-API-Key: <key>}, else {@code Authorization}:
     * {@code Bearer <key>}; {@code ApiKey <key>} or {@code ApiKey base64(<id>:<key>)} (what Elasticsearch clients
     * send: the key is the part after the colon, the id is ignored); {@code Basic base64(<user>:<key>)} (shippers
     * with only basic auth: the password is the key, the user is ignored).
     */
    static String presented(HttpHeaders headers) {
        String presented = headers.get("X-API-Key");
        String authorization = headers.get(HttpHeaderNames.AUTHORIZATION);
        if (presented == null && authorization != null) {
            if (authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
                presented = authorization.substring(7).trim();
            } else if (authorization.regionMatches(true, 0, "ApiKey ", 0, 7)) {
                String value = authorization.substring(7).trim();
                presented = afterColon(value).orElse(value);
            } else if (authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
                presented = afterColon(authorization.substring(6).trim()).orElse("");
            }
        }
        return presented == null ? "" : presented;
    }

    /** What follows the first colon of base64 text that decodes to UTF-8 {@code <a>:<b>}. */
    private static Optional<String> afterColon(String base64) {
        try {
            String decoded = new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            return colon < 0 ? Optional.empty() : Optional.of(decoded.substring(colon + 1));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static byte[] digest(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
