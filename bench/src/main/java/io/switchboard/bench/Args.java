package io.switchboard.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Command-line options of the form {@code --name value} or {@code --flag}. Every option read is
 * remembered, so that {@link #checkAllUsed()} can refuse a misspelt one instead of ignoring it.
 */
public final class Args {

    private final Map<String, String> values = new LinkedHashMap<>();
    private final List<String> positional = new ArrayList<>();
    private final Set<String> used = new LinkedHashSet<>();

    public Args(List<String> argv) {
        for (int i = 0; i < argv.size(); i++) {
            String a = argv.get(i);
            if (a.startsWith("--")) {
                String name = a.substring(2);
                String value = "true";
                int eq = name.indexOf('=');
                if (eq > 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                } else if (i + 1 < argv.size() && !argv.get(i + 1).startsWith("--")) {
                    value = argv.get(++i);
                }
                values.put(name, value);
            } else {
                positional.add(a);
            }
        }
    }

    public static Args of(String... argv) {
        return new Args(List.of(argv));
    }

    public List<String> positional() {
        used.add("");
        return positional;
    }

    public boolean has(String name) {
        used.add(name);
        return values.containsKey(name);
    }

    public String string(String name, String def) {
        used.add(name);
        return values.getOrDefault(name, def);
    }

    public String required(String name) {
        used.add(name);
        String v = values.get(name);
        if (v == null) {
            throw new UsageException("--" + name + " is required");
        }
        return v;
    }

    public int integer(String name, int def, int min, int max) {
        String v = string(name, null);
        if (v == null) {
            return def;
        }
        long n;
        try {
            n = Long.parseLong(v.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " expects a whole number, not '" + v + "'");
        }
        if (n < min || n > max) {
            throw new UsageException("--" + name + " must lie between " + min + " and " + max + " (got " + n + ")");
        }
        return (int) n;
    }

    public double decimal(String name, double def, double min, double max) {
        String v = string(name, null);
        if (v == null) {
            return def;
        }
        double d;
        try {
            d = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " expects a number, not '" + v + "'");
        }
        if (!(d >= min && d <= max)) {
            throw new UsageException("--" + name + " must lie between " + min + " and " + max + " (got " + v + ")");
        }
        return d;
    }

    public boolean flag(String name, boolean def) {
        String v = string(name, null);
        if (v == null) {
            return def;
        }
        return switch (v) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new UsageException("--" + name + " expects true or false, not '" + v + "'");
        };
    }

    /** A duration such as {@code 500ms}, {@code 10s}, {@code 2m}; a bare number means seconds. */
    public Duration duration(String name, Duration def, Duration max) {
        String v = string(name, null);
        if (v == null) {
            return def;
        }
        Duration d = parseDuration(v);
        if (d == null || d.isNegative() || d.compareTo(max) > 0) {
            throw new UsageException("--" + name + " expects a duration up to " + max.toSeconds() + "s (e.g. 500ms, 10s, 2m), not '"
                    + v + "'");
        }
        return d;
    }

    static Duration parseDuration(String v) {
        try {
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            if (v.endsWith("s")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 1000));
            }
            if (v.endsWith("m")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 60_000));
            }
            if (v.endsWith("h")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 3_600_000));
            }
            return Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Refuses options nobody asked for (a typo must not silently change a benchmark). */
    public void checkAllUsed() {
        for (String k : values.keySet()) {
            if (!used.contains(k)) {
                throw new UsageException("unknown option --" + k);
            }
        }
        if (!positional.isEmpty() && !used.contains("")) {
            throw new UsageException("unexpected argument '" + positional.get(0) + "'");
        }
    }

    /** A mistake on the command line: reported with the usage text, exit code 2. */
    public static final class UsageException extends RuntimeException {
        public UsageException(String message) {
            super(message);
        }
    }
}
