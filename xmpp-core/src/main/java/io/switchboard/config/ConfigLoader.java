package io.switchboard.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * Builds a {@link Config} from defaults, the configuration file ({@code key = value}, Java
 * properties syntax) and {@code SWITCHBOARD_*} environment variables, in that order of precedence
 * (later wins). An unknown key or an invalid value fails with a message naming the key and what
 * it expects, so the server never starts on a configuration it does not understand.
 */
public final class ConfigLoader {

    /** Environment variables read by the {@code ./switchboard} launcher, not by the server. */
    public static final Set<String> LAUNCHER_VARIABLES = Set.of("SWITCHBOARD_JAVA_OPTS", "SWITCHBOARD_CONFIG");

    private final Map<String, Setting<?>> byKey = new LinkedHashMap<>();
    private final Map<String, Setting<?>> byEnv = new HashMap<>();

    public ConfigLoader(List<Setting<?>> settings) {
        for (Setting<?> s : settings) {
            if (byKey.put(s.key(), s) != null) {
                throw new IllegalStateException("duplicate setting " + s.key());
            }
            Setting<?> clash = byEnv.put(s.envName(), s);
            if (clash != null) {
                throw new IllegalStateException("settings " + clash.key() + " and " + s.key() + " share " + s.envName());
            }
        }
    }

    public List<Setting<?>> settings() {
        return List.copyOf(byKey.values());
    }

    /**
     * Loads the configuration.
     *
     * @param file the configuration file, or null (or a missing file) for none
     * @param env  the process environment (only {@code SWITCHBOARD_*} entries are read)
     */
    public Config load(Path file, Map<String, String> env) {
        Map<String, Config.Entry> entries = defaults();
        if (file != null && Files.exists(file)) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException | IllegalArgumentException e) {
                throw new ConfigException("cannot read configuration file " + file + ": " + e.getMessage());
            }
            Map<String, String> values = new TreeMap<>();
            for (String k : p.stringPropertyNames()) {
                values.put(k.trim(), p.getProperty(k).trim());
            }
            apply(entries, values, Config.Source.FILE, "in " + file);
        }
        Map<String, String> fromEnv = new TreeMap<>();
        for (Map.Entry<String, String> e : env.entrySet()) {
            String name = e.getKey();
            if (!name.startsWith("SWITCHBOARD_") || LAUNCHER_VARIABLES.contains(name)) {
                continue;
            }
            Setting<?> s = byEnv.get(name);
            if (s == null) {
                throw new ConfigException("unknown environment variable " + name
                        + ": no configuration key maps to it (see conf/switchboard.properties for the keys)");
            }
            fromEnv.put(s.key(), e.getValue());
        }
        apply(entries, fromEnv, Config.Source.ENVIRONMENT, "from the environment");
        return new Config(entries);
    }

    /** Defaults plus the given values, as tests and tools use. */
    public Config load(Map<String, String> values) {
        Map<String, Config.Entry> entries = defaults();
        apply(entries, values, Config.Source.OVERRIDE, "override");
        return new Config(entries);
    }

    private Map<String, Config.Entry> defaults() {
        Map<String, Config.Entry> entries = new LinkedHashMap<>();
        for (Setting<?> s : byKey.values()) {
            entries.put(s.key(), new Config.Entry(s, s.defaultValue(), Config.Source.DEFAULT));
        }
        return entries;
    }

    void apply(Map<String, Config.Entry> entries, Map<String, String> values, Config.Source source, String where) {
        for (Map.Entry<String, String> e : values.entrySet()) {
            Setting<?> s = byKey.get(e.getKey());
            if (s == null) {
                throw new ConfigException("unknown configuration key '" + e.getKey() + "' " + where);
            }
            String raw = e.getValue();
            Object value;
            if (raw == null || raw.isBlank()) {
                value = s.defaultValue() instanceof String ? "" : s.defaultValue();
                if (s.defaultValue() instanceof List<?>) {
                    value = List.of();
                }
            } else {
                try {
                    value = s.parse(raw);
                } catch (IllegalArgumentException | ArithmeticException ex) {
                    String label = source == Config.Source.ENVIRONMENT ? s.envName() : s.key();
                    throw new ConfigException("invalid value '" + raw + "' for " + label + " " + where + ": expected "
                            + s.expected());
                }
            }
            entries.put(s.key(), new Config.Entry(s, value, source));
        }
    }
}
