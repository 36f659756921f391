package io.switchboard.bench.scenario;

import io.switchboard.bench.Args;
import io.switchboard.bench.client.SessionListener;
import io.switchboard.bench.client.XmppSession;
import io.switchboard.bench.client.Xml;
import io.switchboard.xml.XmlElement;
import java.util.BitSet;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Scenario 5, first part: offline messages (XEP-0160). P senders (accounts 1..P) each send M
 * messages to a recipient that is offline (account P+i), then a ping to the server; the ping's
 * answer comes after the server has handled every earlier stanza of that session, so when all
 * answers are in, every message has been stored (or bounced). The store rate is messages over
 * the time from the first send to the last answer. Then the recipients log in; the drain rate is
 * messages over the time from the first login to the last message received. Every message must
 * arrive exactly once; messages of an earlier run (another run id) are counted as stale, not lost.
 *
 * <p>The recipients must have no session while the senders send (this scenario logs nobody else
 * in), and the server's offline limit per user must be at least M. The archive part (query latency
 * on an archive of 1,000,000 messages) waits for the archive (XEP-0313) to land; it would be a
 * second scenario class of its own.
 */
public final class OfflineScenario implements Scenario {

    public static final String USAGE = """
            offline: P senders each send M messages to an offline recipient (accounts P+1..2P), wait until the
            server has handled them (a ping after the last one), then the recipients log in and receive them.
            Reports offline store and drain rates (messages/s) and checks that every message arrived exactly once.
              --pairs P              senders and as many offline recipients (default 100)
              --messages M           messages per sender (default 100; the server's offline limit must allow M)
              --payload N            characters of padding in each body (default 64)
              --max-pending N        logins under way at once (default 64)""";

    private static final String NS_CLIENT = "jabber:client";

    private final int pairs;
    private final int messages;
    private final String payload;
    private final int maxPending;
    private final String runId = Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);

    public OfflineScenario(Args a) {
        this.pairs = a.integer("pairs", 100, 1, 25_000);
        this.messages = a.integer("messages", 100, 1, 100_000);
        int p = a.integer("payload", 64, 0, 60_000);
        this.payload = p == 0 ? "" : " " + "x".repeat(p);
        this.maxPending = a.integer("max-pending", 64, 1, 10_000);
    }

    @Override
    public String name() {
        return "offline";
    }

    /** Senders: each sends its messages and a ping once logged in; counts answers and bounces. */
    private final class Senders implements SessionListener {
        final AtomicInteger fenced = new AtomicInteger();
        final AtomicLong bounced = new AtomicLong();
        final AtomicLong sent = new AtomicLong();
        final Map<String, AtomicInteger> errors = new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        public void stanza(XmppSession s, XmlElement e, long receivedNanos) {
            if (e.is(NS_CLIENT, "message") && "error".equals(e.attr("type"))) {
                bounced.incrementAndGet();
            } else if (e.is(NS_CLIENT, "iq") && "fence".equals(e.attr("id"))) {
                fenced.incrementAndGet();
            }
        }

        @Override
        public void closed(XmppSession s, boolean error, String reason) {
            if (error) {
                errors.computeIfAbsent(reason, r -> new AtomicInteger()).incrementAndGet();
            }
        }
    }

    /** Recipients: check each message of this run arrived once; note when the last came. */
    private final class Recipients implements SessionListener {
        final BitSet[] seen = new BitSet[pairs];
        final AtomicLong received = new AtomicLong();
        final AtomicLong duplicates = new AtomicLong();
        final AtomicLong stale = new AtomicLong();
        final AtomicLong foreign = new AtomicLong();
        final AtomicLong lastNanos = new AtomicLong();
        final Map<String, AtomicInteger> errors = new java.util.concurrent.ConcurrentHashMap<>();

        Recipients() {
            for (int i = 0; i < pairs; i++) {
                seen[i] = new BitSet(messages);
            }
        }

        @Override
        public void stanza(XmppSession s, XmlElement e, long receivedNanos) {
            if (!e.is(NS_CLIENT, "message")) {
                return;
            }
            String body = e.childText(NS_CLIENT, "body");
            String[] f = body == null ? new String[0] : body.split(" ", 4);
            if (f.length < 3) {
                foreign.incrementAndGet();
                return;
            }
            if (!runId.equals(f[0])) {
                stale.incrementAndGet();
                return;
            }
            int pair;
            int seq;
            try {
                pair = Integer.parseInt(f[1]);
                seq = Integer.parseInt(f[2]);
            } catch (NumberFormatException ex) {
                foreign.incrementAndGet();
                return;
            }
            int expectedPair = s.number() - pairs;
            if (pair != expectedPair || pair < 0 || pair >= pairs || seq < 0 || seq >= messages) {
                foreign.incrementAndGet();
                return;
            }
            // One recipient's messages arrive on its own loop thread only.
            BitSet b = seen[pair];
            if (b.get(seq)) {
                duplicates.incrementAndGet();
                return;
            }
            b.set(seq);
            received.incrementAndGet();
            lastNanos.accumulateAndGet(receivedNanos, Math::max);
        }

        @Override
        public void closed(XmppSession s, boolean error, String reason) {
            if (error) {
                errors.computeIfAbsent(reason, r -> new AtomicInteger()).incrementAndGet();
            }
        }
    }

    @Override
    public Map<String, Object> run(Context ctx) throws InterruptedException {
        var pool = ctx.pool();
        var out = ctx.out();
        Map<String, Object> r = newResult(ctx);
        r.put("pairs", pairs);
        r.put("messages_per_pair", messages);
        long total = (long) pairs * messages;
        int loops = pool.loopCount();
        long loginTimeout = ctx.target().loginTimeout().toNanos() + TimeUnit.SECONDS.toNanos(pairs / 50L + 10);

        Senders senders = new Senders();
        Logins in = new Logins(pool, 0, pairs, n -> n % loops, 0, maxPending, senders, false);
        out.progress("offline: logging in " + pairs + " senders");
        if (!in.run(Math.min(loginTimeout, ctx.remainingNanos()), () -> { }) || in.failed() > 0) {
            return failed(r, in, "sender logins failed");
        }
        r.put("mechanism", in.mechanism());
        out.progress("offline: " + pairs + " senders sending " + messages + " messages each to offline recipients");
        Meter.Reading m0 = ctx.meter().read();
        long t0 = System.nanoTime();
        for (int i = 0; i < pairs; i++) {
            XmppSession s = in.session(i);
            int pair = i;
            String to = Xml.escape(ctx.target().user(pairs + i) + "@" + ctx.target().domain());
            s.loop().execute(() -> {
                StringBuilder b = new StringBuilder(messages * (96 + payload.length()));
                for (int k = 0; k < messages; k++) {
                    b.append("<message to='").append(to).append("' type='chat' id='o").append(k).append("'><body>")
                            .append(runId).append(' ').append(pair).append(' ').append(k).append(payload)
                            .append("</body></message>");
                }
                b.append("<iq type='get' id='fence'><ping xmlns='urn:xmpp:ping'/></iq>");
                s.send(b.toString());
                senders.sent.addAndGet(messages);
            });
        }
        if (!waitFor(() -> senders.fenced.get() >= pairs || !senders.errors.isEmpty(), ctx, "store")) {
            r.put("error", "not every sender's messages were handled in time (" + senders.fenced.get() + "/" + pairs + ")");
        }
        long t1 = System.nanoTime();
        Meter.Reading m1 = ctx.meter().read();
        long stored = senders.sent.get() - senders.bounced.get();
        double storeSeconds = (t1 - t0) / 1e9;
        r.put("store_per_s", stored / storeSeconds);
        double storeCpu = Meter.serverCpuSeconds(m0, m1);
        r.put("store_server_cpu_us_per_msg", Double.isNaN(storeCpu) || stored == 0 ? null : storeCpu * 1e6 / stored);
        in.closeAll(TimeUnit.SECONDS.toNanos(10));

        Recipients recipients = new Recipients();
        Logins drain = new Logins(pool, pairs, pairs, n -> n % loops, 0, maxPending, recipients, false);
        out.progress("offline: " + stored + " messages stored; recipients logging in to receive them");
        Meter.Reading m2 = ctx.meter().read();
        long t2 = System.nanoTime();
        boolean loggedIn = drain.run(Math.min(loginTimeout, ctx.remainingNanos()), () -> { }) && drain.failed() == 0;
        if (loggedIn) {
            waitFor(() -> recipients.received.get() >= total || !recipients.errors.isEmpty(), ctx, "drain");
        }
        Meter.Reading m3 = ctx.meter().read();
        long last = recipients.lastNanos.get();
        double drainSeconds = ((last > t2 ? last : System.nanoTime()) - t2) / 1e9;
        r.put("drain_per_s", recipients.received.get() / drainSeconds);
        double drainCpu = Meter.serverCpuSeconds(m2, m3);
        r.put("drain_server_cpu_us_per_msg", Double.isNaN(drainCpu) || recipients.received.get() == 0 ? null
                : drainCpu * 1e6 / recipients.received.get());
        r.putAll(Meter.cpu(m0, m3));
        r.put("sent", senders.sent.get());
        r.put("bounced", senders.bounced.get());
        r.put("delivered", recipients.received.get());
        r.put("lost", senders.sent.get() - recipients.received.get());
        r.put("duplicates", recipients.duplicates.get());
        r.put("stale", recipients.stale.get());
        r.put("unexpected", recipients.foreign.get());
        Map<String, Integer> errors = new java.util.TreeMap<>();
        senders.errors.forEach((k, v) -> errors.merge(k, v.get(), Integer::sum));
        recipients.errors.forEach((k, v) -> errors.merge(k, v.get(), Integer::sum));
        if (!errors.isEmpty()) {
            r.put("errors", errors);
        }
        if (!loggedIn) {
            r.put("error", "recipient logins failed");
            r.put("login_failures", drain.failed());
        }
        r.put("ok", loggedIn && errors.isEmpty() && senders.sent.get() == total && recipients.received.get() == total
                && senders.bounced.get() == 0 && recipients.duplicates.get() == 0 && recipients.foreign.get() == 0);
        out.progress("offline: sent " + senders.sent.get() + ", bounced " + senders.bounced.get() + ", delivered "
                + recipients.received.get() + ", duplicates " + recipients.duplicates.get());
        drain.closeAll(TimeUnit.SECONDS.toNanos(10));
        return r;
    }

    private static Map<String, Object> failed(Map<String, Object> r, Logins l, String error) {
        r.put("ok", false);
        r.put("error", error);
        r.put("login_failures", l.failed());
        r.put("failures", l.failures());
        l.closeAll(TimeUnit.SECONDS.toNanos(10));
        return r;
    }

    /** Waits (checking every 5 ms) until the condition holds or the scenario's deadline; false on the deadline. */
    private static boolean waitFor(java.util.function.BooleanSupplier done, Context ctx, String phase) {
        long limit = ctx.deadlineNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > limit) {
                ctx.out().progress("offline: deadline reached during " + phase);
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        return true;
    }
}
