package io.killkrill.service;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Decodes {@code a=1&b=2}; a repeated parameter keeps its last value. */
public final class QueryString {
    private QueryString() {
    }

    /**
     * The decoded parameters; throws {@link IllegalArgumentException} naming the parameter whose percent-encoding
     * is broken ({@code %zz}), which the admin server answers with 400.
     */
    public static Map<String, String> parse(String raw) {
        Map<String, String> params = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String rawKey = eq < 0 ? pair : pair.substring(0, eq);
            String key = decode(rawKey, "query parameter name '" + shorten(rawKey) + "'");
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1), "query parameter '" + shorten(key) + "'");
            params.put(key, value);
        }
        return params;
    }

    private static String decode(String text, String what) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " is not valid percent-encoding");
        }
    }

    private static String shorten(String text) {
        return text.length() > 64 ? text.substring(0, 64) + "..." : text;
    }
}
