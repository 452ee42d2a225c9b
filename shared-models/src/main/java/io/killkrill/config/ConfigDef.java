package io.killkrill.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The settings of one service. {@link #parse} reads them all from an environment map, validates every one
 * and reports every problem in one {@link ConfigException}.
 */
public final class ConfigDef {
    private final String service;
    private final List<Setting<?>> settings;

    private ConfigDef(String service, List<Setting<?>> settings) {
        this.service = service;
        this.settings = List.copyOf(settings);
        Set<String> keys = new HashSet<>();
        for (Setting<?> setting : settings) {
            if (!keys.add(setting.key())) {
                throw new IllegalArgumentException(setting.key() + " is declared twice in " + service);
            }
            for (String alias : setting.deprecatedAliases()) {
                if (!keys.add(alias)) {
                    throw new IllegalArgumentException(alias + " is declared twice in " + service);
                }
            }
        }
    }

    public static ConfigDef of(String service, List<Setting<?>> common, Setting<?>... own) {
        return of(service, common, List.of(), own);
    }

    /** A service's settings: the common ones, a shared group (e.g. {@link ConsumerGroupSettings}), its own. */
    public static ConfigDef of(String service, List<Setting<?>> common, List<Setting<?>> group, Setting<?>... own) {
        List<Setting<?>> all = new ArrayList<>(common);
        all.addAll(group);
        all.addAll(List.of(own));
        return new ConfigDef(service, all);
    }

    /**
     * This definition with {@code setting} (declared here, e.g. a common one) also read from {@code oldName}, a name
     * it had in this service before it was renamed; reading the old name logs a deprecation warning.
     */
    public ConfigDef withDeprecatedAlias(Setting<?> setting, String oldName) {
        List<Setting<?>> replaced = new ArrayList<>();
        boolean found = false;
        for (Setting<?> declared : settings) {
            if (declared.key().equals(setting.key())) {
                replaced.add(declared.withDeprecatedAlias(oldName));
                found = true;
            } else {
                replaced.add(declared);
            }
        }
        if (!found) {
            throw new IllegalArgumentException(setting.key() + " is not declared in " + service);
        }
        return new ConfigDef(service, replaced);
    }

    public String service() {
        return service;
    }

    public List<Setting<?>> settings() {
        return settings;
    }

    /** Every deprecated name this service still reads, mapped to the key of its setting, in declaration order. */
    public Map<String, String> deprecatedNames() {
        Map<String, String> names = new LinkedHashMap<>();
        for (Setting<?> setting : settings) {
            setting.deprecatedAliases().forEach(alias -> names.put(alias, setting.key()));
        }
        return names;
    }

    public Config parse(Map<String, String> environment) {
        List<String> problems = new ArrayList<>();
        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, String> raw = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();
        Set<String> setInEnvironment = new HashSet<>();
        for (Setting<?> setting : settings) {
            String text = environment.get(setting.key());
            boolean fromEnvironment = text != null && !text.isEmpty();
            for (String alias : setting.deprecatedAliases()) {
                String old = environment.get(alias);
                if (old == null || old.isEmpty()) {
                    continue;
                }
                if (fromEnvironment) {
                    warnings.add(alias + " is deprecated and ignored because " + setting.key() + " is set");
                } else {
                    warnings.add(alias + " is deprecated: rename it to " + setting.key());
                    text = old;
                    fromEnvironment = true;
                }
            }
            if (fromEnvironment) {
                setInEnvironment.add(setting.key());
            } else {
                text = setting.defaultValue().orElse(null);
            }
            if (text == null) {
                if (setting.required()) {
                    problems.add(setting.key() + " is required: expected " + setting.type().expects());
                }
                continue;
            }
            raw.put(setting.key(), text);
            try {
                values.put(setting.key(), setting.type().parse(text));
            } catch (IllegalArgumentException e) {
                String shown = setting.secret() ? "****" : Masking.maskUserInfo(text);
                problems.add(setting.key() + "='" + shown + "' " + e.getMessage() + ": expected "
                        + setting.type().expects());
            }
        }
        Config config = new Config(this, values, raw, warnings, setInEnvironment);
        if (problems.isEmpty()) {
            problems.addAll(CommonSettings.redisEndpointProblems(config));
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return config;
    }

    /** The reference table for docs/configuration.md. */
    public String toMarkdown() {
        StringBuilder out = new StringBuilder();
        out.append("| Variable | Default | Expects | Description |\n");
        out.append("| --- | --- | --- | --- |\n");
        for (Setting<?> setting : settings) {
            String def = setting.defaultValue().map(d -> "`" + d + "`")
                    .orElse(setting.required() ? "required" : "unset");
            out.append("| `").append(setting.key()).append("` | ").append(def).append(" | ")
                    .append(setting.type().expects().replace("|", "\\|")).append(" | ")
                    .append(setting.doc().replace("|", "\\|"))
                    .append(setting.deprecatedAliases().isEmpty() ? "" : " Deprecated alias"
                            + (setting.deprecatedAliases().size() > 1 ? "es" : "") + ": "
                            + String.join(", ", setting.deprecatedAliases().stream().map(a -> "`" + a + "`").toList())
                            + ".")
                    .append(setting.secret() ? " Secret: never logged." : "").append(" |\n");
        }
        return out.toString();
    }
}
