package io.killkrill.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Parsed and validated values of one {@link ConfigDef}. */
public final class Config {
    private final ConfigDef definition;
    private final Map<String, Object> values;
    private final Map<String, String> rawValues;
    private final List<String> warnings;
    private final java.util.Set<String> setInEnvironment;

    Config(ConfigDef definition, Map<String, Object> values, Map<String, String> rawValues, List<String> warnings,
           java.util.Set<String> setInEnvironment) {
        this.definition = definition;
        this.setInEnvironment = java.util.Set.copyOf(setInEnvironment);
        this.warnings = List.copyOf(warnings);
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.rawValues = Collections.unmodifiableMap(new LinkedHashMap<>(rawValues));
    }

    /** The value of a setting that has a default or is required. */
    @SuppressWarnings("unchecked")
    public <T> T get(Setting<T> setting) {
        requireDeclared(setting);
        Object value = values.get(setting.key());
        if (value == null) {
            throw new IllegalStateException(setting.key() + " is optional and unset; use optional()");
        }
        return (T) value;
    }

    @SuppressWarnings("unchecked")
    public <T> Optional<T> optional(Setting<T> setting) {
        requireDeclared(setting);
        return Optional.ofNullable((T) values.get(setting.key()));
    }

    /** The effective configuration, one {@code KEY=value} line each, secrets masked. */
    public String describe() {
        StringBuilder out = new StringBuilder();
        for (Setting<?> setting : definition.settings()) {
            String raw = rawValues.get(setting.key());
            String shown = raw == null ? "(unset)" : setting.secret() ? "****" : Masking.maskUserInfo(raw);
            out.append(setting.key()).append('=').append(shown).append('\n');
        }
        return out.toString();
    }

    /** Whether the environment set {@code setting} (under its key or a deprecated name), not its default. */
    public boolean isSet(Setting<?> setting) {
        requireDeclared(setting);
        return setInEnvironment.contains(setting.key());
    }

    /** Whether this service declares {@code setting}. */
    public boolean declares(Setting<?> setting) {
        return definition.settings().stream().anyMatch(declared -> declared.key().equals(setting.key()));
    }

    /** What start-up should warn about: deprecated names that were read (or ignored). */
    public List<String> warnings() {
        return warnings;
    }

    /** A setting is declared when its key is (a declaration may carry deprecated aliases the constant lacks). */
    private void requireDeclared(Setting<?> setting) {
        if (!declares(setting)) {
            throw new IllegalArgumentException(setting.key() + " is not declared in this service's ConfigDef");
        }
    }
}
