package io.switchboard.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The effective configuration: every known setting with its value and where the value came from.
 *
 * @implNote immutable and thread-safe.
 */
public final class Config {

    /** Where a value came from. */
    public enum Source { DEFAULT, FILE, ENVIRONMENT, OVERRIDE }

    /** One effective value. */
    public record Entry(Setting<?> setting, Object value, Source source) {
        /** The value as it would be written in the file, secrets masked. */
        @SuppressWarnings({"unchecked", "rawtypes"})
        public String display() {
            if (setting.isSecret() && value != null && !value.toString().isEmpty()) {
                return "********";
            }
            return ((Setting) setting).print(value);
        }
    }

    private final Map<String, Entry> entries;

    Config(Map<String, Entry> entries) {
        this.entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }

    @SuppressWarnings("unchecked")
    public <T> T get(Setting<T> s) {
        Entry e = entries.get(s.key());
        if (e == null) {
            throw new IllegalArgumentException("setting " + s.key() + " is not part of this configuration");
        }
        return (T) e.value();
    }

    public Source source(Setting<?> s) {
        Entry e = entries.get(s.key());
        return e == null ? Source.DEFAULT : e.source();
    }

    public List<Entry> entries() {
        return List.copyOf(entries.values());
    }

    /** A copy with some values replaced (used by tests and by the launcher's own overrides). */
    public Config with(Map<String, String> overrides) {
        ConfigLoader loader = new ConfigLoader(entries.values().stream().<Setting<?>>map(Entry::setting).toList());
        Map<String, Entry> copy = new LinkedHashMap<>(entries);
        loader.apply(copy, overrides, Source.OVERRIDE, "override");
        return new Config(copy);
    }
}
