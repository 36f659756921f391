package io.switchboard.bench.scenario;

import io.switchboard.bench.client.ClientPool;
import io.switchboard.bench.client.SessionListener;
import io.switchboard.bench.client.XmppSession;
import io.switchboard.bench.metrics.Histogram;
import io.switchboard.xml.XmlElement;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntUnaryOperator;

/**
 * Brings up sessions for a range of accounts at a fixed rate (or as fast as allowed), never
 * with more than a given number of logins under way at once, and counts what happened. Stanzas
 * and session ends after login go on to the scenario's listener.
 */
public final class Logins implements SessionListener {

    private final ClientPool pool;
    private final int first;
    private final int count;
    private final IntUnaryOperator loopOf;
    private final double rate;
    private final int maxPending;
    private final SessionListener next;
    private final boolean register;

    private final XmppSession[] sessions;
    private final AtomicInteger started = new AtomicInteger();
    private final AtomicInteger ok = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicInteger dropped = new AtomicInteger();
    private final AtomicInteger closed = new AtomicInteger();
    private final AtomicInteger derived = new AtomicInteger();
    private final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    private final Histogram[] loginMicros;
    private volatile long firstStart;
    private volatile long lastReady;
    private volatile String mechanism;
    private boolean closeWhenReady;

    /**
     * @param first      first account number (counted from the target's first user)
     * @param count      accounts first .. first+count-1
     * @param loopOf     loop of each account number
     * @param rate       logins started per second; 0 or less: as fast as {@code maxPending} allows
     * @param maxPending logins under way at most
     * @param next       gets ready sessions' stanzas and ends (may be null)
     * @param register   register the accounts in-band instead of logging in
     */
    public Logins(ClientPool pool, int first, int count, IntUnaryOperator loopOf, double rate, int maxPending,
                  SessionListener next, boolean register) {
        this.pool = pool;
        this.first = first;
        this.count = count;
        this.loopOf = loopOf;
        this.rate = rate;
        this.maxPending = maxPending;
        this.next = next == null ? new SessionListener() { } : next;
        this.register = register;
        this.sessions = new XmppSession[count];
        this.loginMicros = new Histogram[pool.loopCount()];
        for (int i = 0; i < loginMicros.length; i++) {
            loginMicros[i] = new Histogram();
        }
    }

    /** Each session logs out as soon as it is in (priming, registration): few connections open at once. */
    public Logins closeWhenReady() {
        this.closeWhenReady = true;
        return this;
    }

    /**
     * Starts every login, pacing them, then waits for all to finish (or the time to run out).
     *
     * @param timeoutNanos  for the whole ramp
     * @param everySecond   called about once a second on this thread (progress, samples)
     * @return true when every login finished (succeeded or failed) in time
     */
    public boolean run(long timeoutNanos, Runnable everySecond) {
        long t0 = System.nanoTime();
        firstStart = t0;
        long end = t0 + timeoutNanos;
        long nextTick = t0 + 1_000_000_000L;
        int next = 0;
        while (System.nanoTime() < end) {
            long now = System.nanoTime();
            if (now >= nextTick) {
                everySecond.run();
                nextTick += 1_000_000_000L;
            }
            if (next < count) {
                long allowed = rate > 0 ? Math.min(count, (long) ((now - t0) / 1e9 * rate) + 1) : count;
                while (next < allowed && pending() < maxPending) {
                    start(next++);
                }
                if (next < allowed) {
                    LockSupport.parkNanos(100_000);
                } else if (next < count) {
                    long due = t0 + (long) (next / rate * 1e9);
                    LockSupport.parkNanos(Math.max(50_000, Math.min(due - System.nanoTime(), 2_000_000)));
                }
            } else if (ok.get() + failed.get() >= count) {
                return true;
            } else {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
            }
        }
        return false;
    }

    private void start(int i) {
        int number = first + i;
        int loop = loopOf.applyAsInt(number);
        XmppSession s = register ? pool.registration(loop, number, this) : pool.session(loop, number, this);
        s.attachment = i;
        sessions[i] = s;
        started.incrementAndGet();
        pool.connect(s);
    }

    public int pending() {
        return started.get() - ok.get() - failed.get();
    }

    @Override
    public void ready(XmppSession s) {
        ok.incrementAndGet();
        long now = s.readyNanos();
        if (now > lastReady) {
            lastReady = now;
        }
        if (s.derivedKey()) {
            derived.incrementAndGet();
        }
        if (mechanism == null) {
            mechanism = s.mechanism();
        }
        loginMicros[s.loop().index()].record((s.readyNanos() - s.startNanos()) / 1000);
        next.ready(s);
        if (closeWhenReady) {
            s.close();
        }
    }

    @Override
    public void stanza(XmppSession s, XmlElement stanza, long receivedNanos) {
        next.stanza(s, stanza, receivedNanos);
    }

    @Override
    public void closed(XmppSession s, boolean error, String reason) {
        closed.incrementAndGet();
        if (s.readyNanos() == 0) {
            failed.incrementAndGet();
            failures.computeIfAbsent(reason, r -> new AtomicInteger()).incrementAndGet();
        } else if (error) {
            dropped.incrementAndGet();
            failures.computeIfAbsent("after login: " + reason, r -> new AtomicInteger()).incrementAndGet();
        }
        next.closed(s, error, reason);
    }

    /** Closes every session politely (from any thread) and waits up to the timeout for them to end. */
    public boolean closeAll(long timeoutNanos) {
        for (XmppSession s : sessions) {
            if (s != null) {
                s.loop().execute(s::close);
            }
        }
        long end = System.nanoTime() + timeoutNanos;
        while (closed.get() < started.get() && System.nanoTime() < end) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        return closed.get() >= started.get();
    }

    public XmppSession session(int i) {
        return sessions[i];
    }

    public int count() {
        return count;
    }

    public int started() {
        return started.get();
    }

    public int ok() {
        return ok.get();
    }

    public int failed() {
        return failed.get();
    }

    /** Sessions that ended with an error after they had logged in. */
    public int dropped() {
        return dropped.get();
    }

    /** Logins that had to derive the salted password (PBKDF2) on the client. */
    public int derivedKeys() {
        return derived.get();
    }

    public String mechanism() {
        return mechanism;
    }

    public long firstStartNanos() {
        return firstStart;
    }

    public long lastReadyNanos() {
        return lastReady;
    }

    /** Failure reasons and how often, sorted by reason. */
    public Map<String, Integer> failures() {
        Map<String, Integer> m = new TreeMap<>();
        failures.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }

    /** Login times (connect to bound) in microseconds; call after the ramp. */
    public Histogram loginTimes() {
        Histogram h = new Histogram();
        for (int i = 0; i < loginMicros.length; i++) {
            final int idx = i;
            h.add(pool.loop(i).submit(() -> {
                Histogram copy = new Histogram();
                copy.add(loginMicros[idx]);
                return copy;
            }).join());
        }
        return h;
    }
}
