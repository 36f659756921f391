package io.switchboard.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

/**
 * A typed configuration key with its default and documentation. Values are written in the
 * configuration file as {@code key = value} and overridden by the environment variable
 * {@link #envName()}.
 *
 * @param <T> the value type
 */
public final class Setting<T> {

    private final String key;
    private final String expected;
    private final Function<String, T> parser;
    private final Function<T, String> printer;
    private final T defaultValue;
    private final String description;
    private final boolean secret;

    private Setting(String key, String expected, Function<String, T> parser, Function<T, String> printer,
                    T defaultValue, String description, boolean secret) {
        this.key = Objects.requireNonNull(key);
        this.expected = expected;
        this.parser = parser;
        this.printer = printer;
        this.defaultValue = defaultValue;
        this.description = description;
        this.secret = secret;
    }

    public static Setting<String> string(String key, String def, String description) {
        return new Setting<>(key, "a string", s -> s, s -> s, def, description, false);
    }

    public static Setting<String> secret(String key, String def, String description) {
        return new Setting<>(key, "a string", s -> s, s -> s, def, description, true);
    }

    public static Setting<Integer> integer(String key, int def, int min, int max, String description) {
        String exp = "an integer from " + min + " to " + max;
        return new Setting<>(key, exp, s -> {
            int v;
            try {
                v = Integer.parseInt(s.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(exp);
            }
            if (v < min || v > max) {
                throw new IllegalArgumentException(exp);
            }
            return v;
        }, String::valueOf, def, description, false);
    }

    public static Setting<Integer> port(String key, int def, String description) {
        return integer(key, def, 0, 65535, description + " (0 picks a free port)");
    }

    public static Setting<Boolean> bool(String key, boolean def, String description) {
        return new Setting<>(key, "true or false", s -> switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new IllegalArgumentException("true or false");
        }, String::valueOf, def, description, false);
    }

    public static Setting<Duration> duration(String key, Duration def, String description) {
        return new Setting<>(key, "a duration such as 500ms, 30s, 5m, 1h, 7d", Setting::parseDuration,
                Setting::printDuration, def, description, false);
    }

    public static Setting<DataSize> size(String key, DataSize def, String description) {
        return new Setting<>(key, "a size such as 512, 8KiB, 10MiB", DataSize::parse, DataSize::toString, def,
                description, false);
    }

    public static Setting<Path> path(String key, String def, String description) {
        return new Setting<>(key, "a file system path", s -> Path.of(s.trim()), Path::toString,
                def == null ? null : Path.of(def), description, false);
    }

    public static <E extends Enum<E>> Setting<E> choice(String key, Class<E> type, E def, String description) {
        List<String> names = Arrays.stream(type.getEnumConstants()).map(Setting::enumWire).toList();
        String exp = "one of " + String.join(", ", names);
        return new Setting<>(key, exp, s -> {
            for (E e : type.getEnumConstants()) {
                if (enumWire(e).equals(s.trim().toLowerCase(Locale.ROOT))) {
                    return e;
                }
            }
            throw new IllegalArgumentException(exp);
        }, Setting::enumWire, def, description, false);
    }

    public static Setting<List<String>> list(String key, String description) {
        return new Setting<>(key, "a comma-separated list", s -> Arrays.stream(s.split(","))
                .map(String::trim).filter(x -> !x.isEmpty()).toList(), l -> String.join(",", l), List.of(),
                description, false);
    }

    static String enumWire(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static Duration parseDuration(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        int i = 0;
        while (i < t.length() && Character.isDigit(t.charAt(i))) {
            i++;
        }
        if (i == 0) {
            throw new IllegalArgumentException("a duration such as 500ms, 30s, 5m, 1h, 7d");
        }
        long n = Long.parseLong(t.substring(0, i));
        return switch (t.substring(i).trim()) {
            case "ms" -> Duration.ofMillis(n);
            case "s", "" -> Duration.ofSeconds(n);
            case "m", "min" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> throw new IllegalArgumentException("a duration such as 500ms, 30s, 5m, 1h, 7d");
        };
    }

    static String printDuration(Duration d) {
        long ms = d.toMillis();
        if (ms % 86_400_000 == 0 && ms > 0) {
            return ms / 86_400_000 + "d";
        }
        if (ms % 3_600_000 == 0 && ms > 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms > 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    public String key() {
        return key;
    }

    /** {@code SWITCHBOARD_} + the key in upper case with {@code .} and {@code -} as {@code _}. */
    public String envName() {
        return envName(key);
    }

    public static String envName(String key) {
        return "SWITCHBOARD_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    public String expected() {
        return expected;
    }

    public T defaultValue() {
        return defaultValue;
    }

    public String description() {
        return description;
    }

    public boolean isSecret() {
        return secret;
    }

    T parse(String raw) {
        return parser.apply(raw);
    }

    public String print(T value) {
        return value == null ? "" : printer.apply(value);
    }

    @Override
    public String toString() {
        return key;
    }
}
