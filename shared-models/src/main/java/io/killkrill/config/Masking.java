package io.killkrill.config;

import java.util.regex.Pattern;

/** Hides passwords embedded in URLs ({@code redis://:secret@host}) when configuration is printed. */
final class Masking {
    private static final Pattern USER_INFO = Pattern.compile("(?<=://)([^/@:]*):([^/@]*)@");

    private Masking() {
    }

    static String maskUserInfo(String value) {
        return USER_INFO.matcher(value).replaceAll("$1:****@");
    }
}
