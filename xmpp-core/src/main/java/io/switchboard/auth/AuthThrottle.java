package io.switchboard.auth;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Slows down password guessing without locking anyone out (security.md B2): failures are counted
 * per IP address and per account over a 15-minute window; past a threshold every answer to that
 * IP or account (success or failure, so timing reveals nothing) is delayed, doubling per failure
 * up to a maximum.
 *
 * @implNote thread-safe.
 */
public final class AuthThrottle {

    private static final long WINDOW_NANOS = Duration.ofMinutes(15).toNanos();
    private static final int MAX_ENTRIES = 200_000;

    private record Window(long start, int failures) {
    }

    private final int threshold;
    private final long maxDelayMillis;
    private final LongSupplier nanoClock;
    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

    public AuthThrottle(int threshold, Duration maxDelay, LongSupplier nanoClock) {
        this.threshold = threshold;
        this.maxDelayMillis = maxDelay.toMillis();
        this.nanoClock = nanoClock;
    }

    /** Milliseconds to wait before answering an attempt from {@code ip} for {@code account} (may be null). */
    public long delayMillis(String ip, String account) {
        int n = Math.max(failures("ip:" + ip), account == null ? 0 : failures("acct:" + account));
        if (n < threshold || threshold == 0 && n == 0) {
            return 0;
        }
        int over = Math.min(30, n - threshold);
        return Math.min(maxDelayMillis, 1000L << over);
    }

    /** Records a failed password. */
    public void failed(String ip, String account) {
        bump("ip:" + ip);
        if (account != null) {
            bump("acct:" + account);
        }
    }

    private int failures(String key) {
        Window w = windows.get(key);
        if (w == null || nanoClock.getAsLong() - w.start > WINDOW_NANOS) {
            return 0;
        }
        return w.failures;
    }

    private void bump(String key) {
        long now = nanoClock.getAsLong();
        if (windows.size() > MAX_ENTRIES) {
            windows.entrySet().removeIf(e -> now - e.getValue().start > WINDOW_NANOS);
            if (windows.size() > MAX_ENTRIES) {
                windows.clear();
            }
        }
        windows.compute(key, (k, w) -> w == null || now - w.start > WINDOW_NANOS ? new Window(now, 1)
                : new Window(w.start, w.failures + 1));
    }
}
