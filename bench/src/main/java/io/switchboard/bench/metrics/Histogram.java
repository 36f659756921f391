package io.switchboard.bench.metrics;

/**
 * A log-linear histogram of non-negative values (the harness records microseconds): exact below
 * 64, then 64 buckets per power of two, so every percentile is within 1.6% of the true value;
 * minimum, maximum, count and sum are exact. Not thread-safe: one per loop, merged at the end.
 */
public final class Histogram {

    private static final int SUB_BITS = 6;
    private static final int SUB = 1 << SUB_BITS;
    private final long[] counts = new long[SUB + (63 - SUB_BITS) * SUB];
    private long count;
    private long sum;
    private long min = Long.MAX_VALUE;
    private long max;

    public void record(long v) {
        if (v < 0) {
            v = 0;
        }
        counts[index(v)]++;
        count++;
        sum += v;
        if (v < min) {
            min = v;
        }
        if (v > max) {
            max = v;
        }
    }

    static int index(long v) {
        if (v < SUB) {
            return (int) v;
        }
        int msb = 63 - Long.numberOfLeadingZeros(v);
        int shift = msb - SUB_BITS;
        int sub = (int) (v >>> shift) - SUB;
        return SUB + shift * SUB + sub;
    }

    /** Largest value that falls in bucket {@code i}. */
    static long highest(int i) {
        if (i < SUB) {
            return i;
        }
        int shift = (i - SUB) / SUB;
        long sub = (i - SUB) % SUB;
        long low = (SUB + sub) << shift;
        return low + (1L << shift) - 1;
    }

    public void add(Histogram o) {
        for (int i = 0; i < counts.length; i++) {
            counts[i] += o.counts[i];
        }
        count += o.count;
        sum += o.sum;
        min = Math.min(min, o.min);
        max = Math.max(max, o.max);
    }

    public long count() {
        return count;
    }

    public long max() {
        return count == 0 ? 0 : max;
    }

    public long min() {
        return count == 0 ? 0 : min;
    }

    public double mean() {
        return count == 0 ? 0 : (double) sum / count;
    }

    /** The value at percentile {@code p} (0..100): no more than that share of values lie above it. */
    public long percentile(double p) {
        if (count == 0) {
            return 0;
        }
        if (p >= 100) {
            return max;
        }
        long rank = (long) Math.ceil(p / 100.0 * count);
        if (rank < 1) {
            rank = 1;
        }
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(Math.max(highest(i), min), max);
            }
        }
        return max;
    }
}
