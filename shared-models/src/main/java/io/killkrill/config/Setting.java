package io.killkrill.config;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One configuration setting, declared once: environment variable, type, default, doc and whether it is
 * secret. Services group their settings in a {@link ConfigDef}.
 *
 * @param key          the environment variable, always {@code KILLKRILL_...}
 * @param type         parses and validates the text
 * @param defaultValue the default as text (parsed like any value); empty when the setting is optional
 *                     or required
 * @param required     whether start-up fails without it
 * @param secret       masked whenever the effective configuration is printed
 */
public record Setting<T>(String key, SettingType<T> type, Optional<String> defaultValue, String doc,
                         boolean required, boolean secret) {
    private static final Pattern KEY = Pattern.compile("KILLKRILL_[A-Z0-9_]+");

    public Setting {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(defaultValue, "defaultValue");
        Objects.requireNonNull(doc, "doc");
        if (!KEY.matcher(key).matches()) {
            throw new IllegalArgumentException("setting keys are KILLKRILL_ upper-case, got " + key);
        }
        defaultValue.ifPresent(type::parse);
    }

    /** A setting with a default. */
    public static <T> Setting<T> of(String key, SettingType<T> type, String defaultValue, String doc) {
        return new Setting<>(key, type, Optional.of(defaultValue), doc, false, false);
    }

    /** A setting that may be left unset; {@link Config#optional} then gives empty. */
    public static <T> Setting<T> optional(String key, SettingType<T> type, String doc) {
        return new Setting<>(key, type, Optional.empty(), doc, false, false);
    }

    public Setting<T> asSecret() {
        return new Setting<>(key, type, defaultValue, doc, required, true);
    }
}
