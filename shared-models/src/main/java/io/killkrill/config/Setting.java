package io.killkrill.config;

import java.util.ArrayList;
import java.util.List;
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
 * @param deprecatedAliases older names of the setting, still read (with a warning) when {@code key} is unset
 */
public record Setting<T>(String key, SettingType<T> type, Optional<String> defaultValue, String doc,
                         boolean required, boolean secret, List<String> deprecatedAliases) {
    private static final Pattern KEY = Pattern.compile("KILLKRILL_[A-Z0-9_]+");

    public Setting {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(defaultValue, "defaultValue");
        Objects.requireNonNull(doc, "doc");
        deprecatedAliases = List.copyOf(deprecatedAliases);
        for (String name : concat(key, deprecatedAliases)) {
            if (!KEY.matcher(name).matches()) {
                throw new IllegalArgumentException("setting keys are KILLKRILL_ upper-case, got " + name);
            }
        }
        defaultValue.ifPresent(type::parse);
    }

    /** A setting with a default. */
    public static <T> Setting<T> of(String key, SettingType<T> type, String defaultValue, String doc) {
        return new Setting<>(key, type, Optional.of(defaultValue), doc, false, false, List.of());
    }

    /** A setting that may be left unset; {@link Config#optional} then gives empty. */
    public static <T> Setting<T> optional(String key, SettingType<T> type, String doc) {
        return new Setting<>(key, type, Optional.empty(), doc, false, false, List.of());
    }

    public Setting<T> asSecret() {
        return new Setting<>(key, type, defaultValue, doc, required, true, deprecatedAliases);
    }

    /**
     * The same setting, also read from {@code oldName} when {@code key} is unset: a renamed setting keeps working,
     * and {@link Config#warnings()} says which name to use instead.
     */
    public Setting<T> withDeprecatedAlias(String oldName) {
        return new Setting<>(key, type, defaultValue, doc, required, secret, concat(oldName, deprecatedAliases));
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> all = new ArrayList<>();
        all.add(first);
        all.addAll(rest);
        return all;
    }
}
