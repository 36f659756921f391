package io.switchboard.bench.scenario;

import io.switchboard.bench.client.ClientPool;
import io.switchboard.bench.client.EventLoop;
import io.switchboard.bench.client.SessionListener;
import io.switchboard.bench.client.XmppSession;
import io.switchboard.bench.client.Xml;
import io.switchboard.bench.metrics.Histogram;
import io.switchboard.xml.XmlElement;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One-to-one messages between pairs of sessions of this client: pair {@code i} is account
 * {@code 2i} sending to account {@code 2i+1}, both on the same loop, so that a delivery is seen,
 * checked and answered on one thread. Either each sender keeps a window of unacknowledged
 * messages (a message is acknowledged when its recipient has it), or senders keep a fixed
 * schedule. Every message carries its sequence number, pair and send time in its body, so that
 * the receiver can check it arrived exactly once and how long it took.
 */
final class Traffic implements SessionListener {

    enum Mode { WINDOW, RATE }

    private static final String NS_CLIENT = "jabber:client";

    static final class Pair {
        final int index;
        final XmppSession sender;
        final XmppSession receiver;
        final String to;
        long sent;
        long received;
        long duplicates;
        long outOfOrder;
        long lastSeq = -1;
        long nextDue;
        final BitSet seen = new BitSet();

        Pair(int index, XmppSession sender, XmppSession receiver) {
            this.index = index;
            this.sender = sender;
            this.receiver = receiver;
            this.to = Xml.escape(receiver.jid());
        }
    }

    /** State of one loop; touched by that loop's thread only, except the atomic counters. */
    static final class LoopState {
        final List<Pair> pairs = new ArrayList<>();
        final AtomicLong sent = new AtomicLong();
        final AtomicLong delivered = new AtomicLong();
        final Histogram latency = new Histogram();
        final Histogram lag = new Histogram();
        long windowDelivered;
        long windowSent;
        long foreign;
        long bounced;
    }

    /** Totals over all loops at one moment. */
    record Summary(long sent, long received, long duplicates, long outOfOrder, long foreign, long bounced,
                   long windowDelivered, long windowSent, Histogram latency, Histogram lag) {
        long lost() {
            return sent - received;
        }
    }

    private final ClientPool pool;
    private final Mode mode;
    private final int window;
    private final String payload;
    private final LoopState[] loops;
    private final AtomicInteger sessionErrors = new AtomicInteger();
    private final Map<String, AtomicInteger> errors = new ConcurrentHashMap<>();
    private final List<Pair> pairs = new ArrayList<>();
    private long intervalNanos;
    private long measureFrom;
    private long measureTo;
    private volatile boolean started;

    Traffic(ClientPool pool, Mode mode, int window, int payloadChars) {
        this.pool = pool;
        this.mode = mode;
        this.window = window;
        this.payload = payloadChars <= 0 ? "" : " " + "x".repeat(payloadChars);
        this.loops = new LoopState[pool.loopCount()];
        for (int i = 0; i < loops.length; i++) {
            loops[i] = new LoopState();
        }
    }

    /** Account number {@code n}'s loop: both accounts of a pair share one. */
    static int loopOf(int number, int loops) {
        return (number / 2) % loops;
    }

    /** Forms the pairs from logged-in sessions (account 2i sends to 2i+1). */
    void pair(Logins logins) {
        for (int i = 0; i + 1 < logins.count(); i += 2) {
            XmppSession s = logins.session(i);
            XmppSession r = logins.session(i + 1);
            Pair p = new Pair(i / 2, s, r);
            s.attachment = p;
            r.attachment = p;
            pairs.add(p);
            loops[s.loop().index()].pairs.add(p);
        }
    }

    int pairCount() {
        return pairs.size();
    }

    /**
     * Starts sending at {@code start}; figures count from {@code measureFrom} to {@code measureTo},
     * and no message is sent after {@code measureTo}.
     *
     * @param rate messages per second over all pairs (RATE mode)
     */
    void start(long start, long measureFrom, long measureTo, double rate) {
        this.measureFrom = measureFrom;
        this.measureTo = measureTo;
        this.intervalNanos = rate > 0 ? Math.max(1, (long) (pairs.size() * 1e9 / rate)) : 0;
        this.started = true;
        for (int li = 0; li < loops.length; li++) {
            LoopState ls = loops[li];
            EventLoop loop = pool.loop(li);
            loop.execute(() -> {
                for (Pair p : ls.pairs) {
                    if (mode == Mode.WINDOW) {
                        for (int k = 0; k < window; k++) {
                            send(ls, p, System.nanoTime());
                        }
                    } else {
                        // Senders are spread evenly over one interval: the aggregate rate is smooth.
                        p.nextDue = start + (long) (p.index * 1e9 / rate);
                        loop.schedule(p.nextDue, () -> tick(loop, ls, p));
                    }
                }
            });
        }
    }

    private void tick(EventLoop loop, LoopState ls, Pair p) {
        long intended = p.nextDue;
        if (intended >= measureTo || !p.sender.isReady()) {
            return;
        }
        if (intended >= measureFrom) {
            ls.lag.record((System.nanoTime() - intended) / 1000);
        }
        send(ls, p, intended);
        p.nextDue = intended + intervalNanos;
        loop.schedule(p.nextDue, () -> tick(loop, ls, p));
    }

    private void send(LoopState ls, Pair p, long stamp) {
        long seq = p.sent++;
        if (stamp >= measureFrom && stamp < measureTo) {
            ls.windowSent++;
        }
        ls.sent.lazySet(ls.sent.get() + 1);
        p.sender.send("<message to='" + p.to + "' type='chat' id='m" + seq + "'><body>" + seq + ' ' + stamp + ' ' + p.index
                + payload + "</body></message>");
    }

    @Override
    public void stanza(XmppSession s, XmlElement e, long receivedNanos) {
        if (!started || !e.is(NS_CLIENT, "message")) {
            return;
        }
        LoopState ls = loops[s.loop().index()];
        if (!(s.attachment instanceof Pair p)) {
            ls.foreign++;
            return;
        }
        if ("error".equals(e.attr("type"))) {
            ls.bounced++;
            return;
        }
        String body = e.childText(NS_CLIENT, "body");
        if (s != p.receiver || body == null) {
            ls.foreign++;
            return;
        }
        int a = body.indexOf(' ');
        int b = a < 0 ? -1 : body.indexOf(' ', a + 1);
        int c = b < 0 ? -1 : body.indexOf(' ', b + 1);
        long seq;
        long stamp;
        int pairIndex;
        try {
            seq = Long.parseLong(body, 0, a, 10);
            stamp = Long.parseLong(body, a + 1, b, 10);
            pairIndex = Integer.parseInt(body, b + 1, c < 0 ? body.length() : c, 10);
        } catch (RuntimeException ex) {
            ls.foreign++;
            return;
        }
        if (pairIndex != p.index || seq < 0 || seq >= p.sent || seq > Integer.MAX_VALUE) {
            ls.foreign++;
            return;
        }
        if (p.seen.get((int) seq)) {
            p.duplicates++;
            return;
        }
        p.seen.set((int) seq);
        p.received++;
        if (seq < p.lastSeq) {
            p.outOfOrder++;
        } else {
            p.lastSeq = seq;
        }
        ls.delivered.lazySet(ls.delivered.get() + 1);
        boolean inWindow = mode == Mode.WINDOW
                ? receivedNanos >= measureFrom && receivedNanos < measureTo
                : stamp >= measureFrom && stamp < measureTo;
        if (inWindow) {
            ls.windowDelivered++;
            ls.latency.record((receivedNanos - stamp) / 1000);
        }
        if (mode == Mode.WINDOW && System.nanoTime() < measureTo && p.sender.isReady()) {
            send(ls, p, System.nanoTime());
        }
    }

    @Override
    public void closed(XmppSession s, boolean error, String reason) {
        if (error) {
            sessionErrors.incrementAndGet();
            errors.computeIfAbsent(reason, r -> new AtomicInteger()).incrementAndGet();
        }
    }

    /** Deliveries so far (all loops), for per-second samples. */
    long deliveredSoFar() {
        long t = 0;
        for (LoopState ls : loops) {
            t += ls.delivered.get();
        }
        return t;
    }

    long sentSoFar() {
        long t = 0;
        for (LoopState ls : loops) {
            t += ls.sent.get();
        }
        return t;
    }

    int sessionErrors() {
        return sessionErrors.get();
    }

    Map<String, Integer> errors() {
        Map<String, Integer> m = new TreeMap<>();
        errors.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }

    /** Totals, collected on each loop's thread. */
    Summary summary() {
        long sent = 0;
        long received = 0;
        long dup = 0;
        long ooo = 0;
        long foreign = 0;
        long bounced = 0;
        long wd = 0;
        long ws = 0;
        Histogram lat = new Histogram();
        Histogram lag = new Histogram();
        for (int i = 0; i < loops.length; i++) {
            LoopState ls = loops[i];
            Summary s = pool.loop(i).submit(() -> {
                long[] t = new long[4];
                for (Pair p : ls.pairs) {
                    t[0] += p.sent;
                    t[1] += p.received;
                    t[2] += p.duplicates;
                    t[3] += p.outOfOrder;
                }
                Histogram l1 = new Histogram();
                l1.add(ls.latency);
                Histogram l2 = new Histogram();
                l2.add(ls.lag);
                return new Summary(t[0], t[1], t[2], t[3], ls.foreign, ls.bounced, ls.windowDelivered, ls.windowSent, l1, l2);
            }).join();
            sent += s.sent();
            received += s.received();
            dup += s.duplicates();
            ooo += s.outOfOrder();
            foreign += s.foreign();
            bounced += s.bounced();
            wd += s.windowDelivered();
            ws += s.windowSent();
            lat.add(s.latency());
            lag.add(s.lag());
        }
        return new Summary(sent, received, dup, ooo, foreign, bounced, wd, ws, lat, lag);
    }
}
