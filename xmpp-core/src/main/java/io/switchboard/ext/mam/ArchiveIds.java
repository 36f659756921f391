package io.switchboard.ext.mam;

import java.time.Instant;

/**
 * Archive ids, which are also the XEP-0359 stanza-ids: 64-bit numbers that increase with time on a
 * node — milliseconds since the epoch in the high 42 bits, a counter, and the node's index — so
 * that every device sees one order, and time filters become id ranges on one index. Written in
 * base 36 on the wire.
 *
 * @implNote thread-safe.
 */
public final class ArchiveIds {

    private static final int SHIFT = 20;
    private static final long LOW_MASK = (1L << SHIFT) - 1;

    private final int node;
    private long last;

    /** @param node this node's index in the cluster, 0 to 255 */
    public ArchiveIds(int node) {
        if (node < 0 || node > 255) {
            throw new IllegalArgumentException("node index 0..255");
        }
        this.node = node;
    }

    public synchronized long next(Instant now) {
        long base = now.toEpochMilli() << SHIFT;
        long candidate = base | node;
        if (candidate <= last) {
            candidate = ((last >>> 8) + 1) << 8 | node;
        }
        last = candidate;
        return candidate;
    }

    /** The smallest id of the given instant. */
    public static long lowerBound(Instant t) {
        return t.toEpochMilli() << SHIFT;
    }

    /** The largest id of the given instant. */
    public static long upperBound(Instant t) {
        return (t.toEpochMilli() << SHIFT) | LOW_MASK;
    }

    public static Instant time(long id) {
        return Instant.ofEpochMilli(id >>> SHIFT);
    }

    public static String format(long id) {
        return Long.toString(id, 36);
    }

    /** @return the id, or -1 when the text is not one of ours */
    public static long parse(String s) {
        if (s == null || s.isEmpty() || s.length() > 13) {
            return -1;
        }
        try {
            long v = Long.parseLong(s, 36);
            return v < 0 ? -1 : v;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
