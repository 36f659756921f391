package io.switchboard.muc;

import io.switchboard.jid.Jid;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * How many joins each user may make per window (one minute) across all rooms. A user's window
 * opens at its first join and ends {@link #WINDOW_MILLIS} later; the next join after that opens a
 * new one.
 *
 * <p>Windows that ended are forgotten a few at a time, not by sweeping the whole map: every window
 * that opens is queued with its start, in the order windows open, and each join looks at no more
 * than {@link #SWEEP_PER_JOIN} entries at the head of that queue, forgetting a user whose window
 * the entry names and has ended. A join thus does a bounded number of map and queue operations
 * however many users joined within the window, while windows are forgotten at least as fast as they
 * open (each join opens at most one).
 *
 * @implNote thread-safe (joins come from every room lane): a user's window is guarded by its own
 *           monitor, the queue by its own; no thread holds both.
 */
final class JoinRate {

    static final long WINDOW_MILLIS = 60_000;
    /** Queue entries a join examines at most; more than one, so the queue shrinks when joins slow down. */
    static final int SWEEP_PER_JOIN = 2;

    /** One user's current window. */
    private static final class Window {
        final Jid user;
        long start;
        int count;
        /** Whether its start is queued yet (done once by whoever first holds it). */
        boolean queued;
        /** Forgotten by the sweep: a join that still holds it takes a new one from the map. */
        boolean gone;

        Window(Jid user, long start) {
            this.user = user;
            this.start = start;
        }
    }

    /** A window's start, queued when it opened; stale when the window opened again since. */
    private record Opened(Window window, long start) {
    }

    private final int perWindow;
    private final LongSupplier millis;
    private final Map<Jid, Window> windows = new ConcurrentHashMap<>();
    private final ArrayDeque<Opened> opened = new ArrayDeque<>();
    /** Map and queue operations done so far (for tests: the work per join is bounded). */
    private final AtomicLong operations = new AtomicLong();

    /**
     * @param perWindow joins a user may make per window
     * @param millis    the current time in milliseconds
     */
    JoinRate(int perWindow, LongSupplier millis) {
        if (perWindow < 1) {
            throw new IllegalArgumentException("perWindow must be at least 1: " + perWindow);
        }
        this.perWindow = perWindow;
        this.millis = millis;
    }

    /** Counts a join of {@code user} (a bare JID); false when the user has no joins left in its window. */
    boolean admit(Jid user) {
        long now = millis.getAsLong();
        sweep(now);
        while (true) {
            operations.incrementAndGet();
            Window w = windows.computeIfAbsent(user, u -> new Window(u, now));
            boolean enqueue = false;
            long start;
            boolean admitted;
            synchronized (w) {
                if (w.gone) {
                    continue;
                }
                if (now - w.start > WINDOW_MILLIS) {
                    w.start = now;
                    w.count = 0;
                    w.queued = false;
                }
                if (!w.queued) {
                    w.queued = true;
                    enqueue = true;
                }
                start = w.start;
                admitted = w.count < perWindow;
                if (admitted) {
                    w.count++;
                }
            }
            if (enqueue) {
                synchronized (opened) {
                    operations.incrementAndGet();
                    opened.addLast(new Opened(w, start));
                }
            }
            return admitted;
        }
    }

    /** Forgets the windows named at the head of the queue that have ended, at most {@link #SWEEP_PER_JOIN}. */
    private void sweep(long now) {
        for (int i = 0; i < SWEEP_PER_JOIN; i++) {
            Opened e;
            synchronized (opened) {
                operations.incrementAndGet();
                e = opened.peekFirst();
                if (e == null || now - e.start() <= WINDOW_MILLIS) {
                    return;
                }
                opened.pollFirst();
            }
            Window w = e.window();
            synchronized (w) {
                // A window that opened again since this entry was queued has a newer entry behind it.
                if (w.start == e.start() && !w.gone) {
                    w.gone = true;
                    operations.incrementAndGet();
                    windows.remove(w.user, w);
                }
            }
        }
    }

    /** Users with a window remembered (for tests). */
    int remembered() {
        return windows.size();
    }

    /** Windows queued to be forgotten (for tests). */
    int queued() {
        synchronized (opened) {
            return opened.size();
        }
    }

    /** Map and queue operations done since this was made (for tests). */
    long operations() {
        return operations.get();
    }
}
