package io.switchboard.config;

import java.util.Locale;

/** An amount of bytes, written in configuration as {@code 512}, {@code 8KiB}, {@code 256KiB}, {@code 10MiB}, {@code 1GiB}. */
public record DataSize(long bytes) {

    public static DataSize parse(String s) {
        String t = s.trim();
        int i = 0;
        while (i < t.length() && Character.isDigit(t.charAt(i))) {
            i++;
        }
        if (i == 0) {
            throw new IllegalArgumentException("a size such as 512, 8KiB, 10MiB");
        }
        long n = Long.parseLong(t.substring(0, i));
        String unit = t.substring(i).trim().toLowerCase(Locale.ROOT);
        long mult = switch (unit) {
            case "", "b" -> 1;
            case "k", "kb", "kib" -> 1024;
            case "m", "mb", "mib" -> 1024 * 1024;
            case "g", "gb", "gib" -> 1024L * 1024 * 1024;
            default -> throw new IllegalArgumentException("a size such as 512, 8KiB, 10MiB");
        };
        return new DataSize(Math.multiplyExact(n, mult));
    }

    public int intBytes() {
        return (int) Math.min(Integer.MAX_VALUE, bytes);
    }

    @Override
    public String toString() {
        if (bytes % (1024L * 1024 * 1024) == 0 && bytes > 0) {
            return bytes / (1024L * 1024 * 1024) + "GiB";
        }
        if (bytes % (1024 * 1024) == 0 && bytes > 0) {
            return bytes / (1024 * 1024) + "MiB";
        }
        if (bytes % 1024 == 0 && bytes > 0) {
            return bytes / 1024 + "KiB";
        }
        return Long.toString(bytes);
    }
}
