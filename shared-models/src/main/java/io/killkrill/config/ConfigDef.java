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

    public String service() {
        return service;
    }

    public List<Setting<?>> settings() {
        return settings;
    }

    public Config parse(Map<String, String> environment) {
        List<String> problems = new ArrayList<>();
        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, String> raw = new LinkedHashMap<>();
        for (Setting<?> setting : settings) {
            String text = environment.get(setting.key());
            boolean fromEnvironment = text != null && !text.isEmpty();
            if (!fromEnvironment) {
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
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new Config(this, values, raw);
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
                    .append(setting.secret() ? " Secret: never logged." : "").append(" |\n");
        }
        return out.toString();
    }
}
