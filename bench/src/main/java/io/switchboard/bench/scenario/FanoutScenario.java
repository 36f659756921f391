package io.switchboard.bench.scenario;

import io.switchboard.bench.Args;
import io.switchboard.bench.client.EventLoop;
import io.switchboard.bench.client.SessionListener;
import io.switchboard.bench.client.Xml;
import io.switchboard.bench.client.XmppSession;
import io.switchboard.bench.metrics.Histogram;
import io.switchboard.xml.XmlElement;
import java.util.BitSet;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Scenario 4, group fan-out (XEP-0045): N sessions join one new room (the first creates it and
 * unlocks it with an empty owner form; everyone waits for its own presence with status 110), then
 * S of them send M groupchat messages at a fixed aggregate rate. The room reflects each message to
 * every occupant, the sender included, so a run makes N x M deliveries. Reports deliveries per
 * second, per message the time from its scheduled send time until the last occupant has it (open
 * loop: a late send is timed from when it should have left), and server CPU per delivery; checks
 * that every occupant got every message exactly once.
 */
public final class FanoutScenario implements Scenario {

    public static final String USAGE = """
            fanout: N occupants join one new room at conference.<domain> (the first creates and unlocks it),
            then S senders send M groupchat messages at a fixed aggregate rate. Reports deliveries per second,
            p50/p99 of the time until the LAST occupant has a message, server CPU per delivery, and checks that
            every occupant got every message exactly once.
              --occupants N          sessions in the room: accounts 1..N of the target (default 100)
              --messages M           groupchat messages in all (default 200)
              --senders S            occupants that send, in turn (default 1)
              --rate R               messages per second over all senders (default 20)
              --muc-domain D         group chat service (default conference.<domain>)
              --room NAME            room name (default: fanout-<run id>, a new room per run)
              --drain D              longest wait for the last deliveries after the last send (default 30s)
              --payload N            characters of padding in each body (default 64)
              --max-pending N        logins under way at once (default 64)""";

    private static final String NS_CLIENT = "jabber:client";
    private static final String NS_MUC_USER = "http://jabber.org/protocol/muc#user";

    private final int occupants;
    private final int messages;
    private final int senders;
    private final double rate;
    private final String mucDomain;
    private final String roomName;
    private final java.time.Duration drain;
    private final String payload;
    private final int maxPending;
    private final String runId = Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);

    public FanoutScenario(Args a) {
        this.occupants = a.integer("occupants", 100, 1, 100_000);
        this.messages = a.integer("messages", 200, 1, 1_000_000);
        this.senders = a.integer("senders", 1, 1, 100_000);
        this.rate = a.decimal("rate", 20, 0.1, 1_000_000);
        this.mucDomain = a.string("muc-domain", null);
        this.roomName = a.string("room", "fanout-" + runId);
        this.drain = a.duration("drain", java.time.Duration.ofSeconds(30), java.time.Duration.ofMinutes(10));
        int p = a.integer("payload", 64, 0, 60_000);
        this.payload = p == 0 ? "" : " " + "x".repeat(p);
        this.maxPending = a.integer("max-pending", 64, 1, 10_000);
        if (senders > occupants) {
            throw new Args.UsageException("--senders must not exceed --occupants");
        }
    }

    @Override
    public String name() {
        return "fanout";
    }

    /** Everything the occupants hear; each occupant's own state is touched by its loop thread only. */
    private final class Room implements SessionListener {
        final String room;
        final boolean[] joined = new boolean[occupants];
        final BitSet[] seen = new BitSet[occupants];
        final AtomicInteger joins = new AtomicInteger();
        final AtomicInteger joinErrors = new AtomicInteger();
        final AtomicInteger unlocked = new AtomicInteger();
        final AtomicLong sent = new AtomicLong();
        final AtomicLong delivered = new AtomicLong();
        final AtomicLong duplicates = new AtomicLong();
        final AtomicLong foreign = new AtomicLong();
        final AtomicLong bounced = new AtomicLong();
        final AtomicIntegerArray copies = new AtomicIntegerArray(messages);
        final AtomicLongArray stamps = new AtomicLongArray(messages);
        final AtomicLongArray lastCopy = new AtomicLongArray(messages);
        final AtomicLong lastDelivery = new AtomicLong();
        final Map<String, AtomicInteger> errors = new ConcurrentHashMap<>();
        volatile boolean sending;

        Room(String room) {
            this.room = room;
            for (int i = 0; i < occupants; i++) {
                seen[i] = new BitSet(messages);
            }
        }

        @Override
        public void stanza(XmppSession s, XmlElement e, long receivedNanos) {
            int i = s.number();
            if (i < 0 || i >= occupants) {
                foreign.incrementAndGet();
                return;
            }
            if (e.is(NS_CLIENT, "presence")) {
                presence(i, e);
            } else if (e.is(NS_CLIENT, "iq")) {
                if ("unlock".equals(e.attr("id"))) {
                    if ("result".equals(e.attr("type"))) {
                        unlocked.set(1);
                    } else {
                        unlocked.set(-1);
                        error("unlock:" + condition(e));
                    }
                }
            } else if (e.is(NS_CLIENT, "message")) {
                message(i, e, receivedNanos);
            }
        }

        private void presence(int i, XmlElement e) {
            String from = e.attr("from");
            if (from == null || !from.startsWith(room + "/")) {
                return;
            }
            boolean self = from.length() == room.length() + 1 + nick(i).length() && from.endsWith("/" + nick(i));
            if (!self) {
                return;
            }
            if ("error".equals(e.attr("type"))) {
                joinErrors.incrementAndGet();
                error("join:" + condition(e));
                return;
            }
            if (e.attr("type") != null || joined[i]) {
                return;
            }
            XmlElement x = e.child(NS_MUC_USER, "x");
            if (x == null) {
                return;
            }
            for (XmlElement st : x.elements(NS_MUC_USER, "status")) {
                if ("110".equals(st.attr("code"))) {
                    joined[i] = true;
                    joins.incrementAndGet();
                    return;
                }
            }
        }

        private void message(int i, XmlElement e, long receivedNanos) {
            if ("error".equals(e.attr("type"))) {
                bounced.incrementAndGet();
                error("message:" + condition(e));
                return;
            }
            String body = e.childText(NS_CLIENT, "body");
            if (body == null) {
                // The room's subject on join, or other bodiless messages: not part of the measurement.
                if (e.child(NS_CLIENT, "subject") == null) {
                    foreign.incrementAndGet();
                }
                return;
            }
            String from = e.attr("from");
            String[] f = body.split(" ", 4);
            if (!sending || f.length < 3 || !runId.equals(f[0]) || from == null || !from.startsWith(room + "/")
                    || !"groupchat".equals(e.attr("type"))) {
                foreign.incrementAndGet();
                return;
            }
            int seq;
            long stamp;
            try {
                seq = Integer.parseInt(f[1]);
                stamp = Long.parseLong(f[2]);
            } catch (NumberFormatException ex) {
                foreign.incrementAndGet();
                return;
            }
            if (seq < 0 || seq >= messages || stamps.get(seq) != stamp) {
                foreign.incrementAndGet();
                return;
            }
            BitSet b = seen[i];
            if (b.get(seq)) {
                duplicates.incrementAndGet();
                return;
            }
            b.set(seq);
            copies.incrementAndGet(seq);
            lastCopy.accumulateAndGet(seq, receivedNanos, Math::max);
            lastDelivery.accumulateAndGet(receivedNanos, Math::max);
            delivered.incrementAndGet();
        }

        private void error(String what) {
            errors.computeIfAbsent(what, k -> new AtomicInteger()).incrementAndGet();
        }

        @Override
        public void closed(XmppSession s, boolean error, String reason) {
            if (error) {
                error("session:" + reason);
            }
        }
    }

    private static String condition(XmlElement e) {
        XmlElement err = e.child(NS_CLIENT, "error");
        if (err == null) {
            return "?";
        }
        for (XmlElement c : err.elements()) {
            return c.local();
        }
        return "?";
    }

    private static String nick(int i) {
        return "o" + i;
    }

    @Override
    public Map<String, Object> run(Context ctx) throws InterruptedException {
        var pool = ctx.pool();
        var out = ctx.out();
        String service = mucDomain != null ? mucDomain : "conference." + ctx.target().domain();
        Room room = new Room(roomName + "@" + service);
        Map<String, Object> r = newResult(ctx);
        r.put("occupants", occupants);
        r.put("messages", messages);
        r.put("senders", senders);
        r.put("rate_target", rate);
        int loops = pool.loopCount();
        long loginTimeout = ctx.target().loginTimeout().toNanos() + TimeUnit.SECONDS.toNanos(occupants / 50L + 10);

        Logins in = new Logins(pool, 0, occupants, n -> n % loops, 0, maxPending, room, false);
        out.progress("fanout: logging in " + occupants + " occupants");
        if (!in.run(Math.min(loginTimeout, ctx.remainingNanos()), () -> { }) || in.failed() > 0) {
            r.put("ok", false);
            r.put("error", "logins failed");
            r.put("login_failures", in.failed());
            r.put("failures", in.failures());
            in.closeAll(TimeUnit.SECONDS.toNanos(10));
            return r;
        }
        r.put("mechanism", in.mechanism());

        // The first occupant creates the room and unlocks it with the default configuration.
        out.progress("fanout: creating " + room.room);
        long j0 = System.nanoTime();
        join(in.session(0), room.room);
        boolean ok = waitFor(() -> room.joins.get() >= 1 || !room.errors.isEmpty(), ctx, "create");
        if (ok && room.errors.isEmpty()) {
            XmppSession owner = in.session(0);
            owner.loop().execute(() -> owner.send("<iq type='set' id='unlock' to='" + Xml.escape(room.room)
                    + "'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/>"
                    + "</query></iq>"));
            ok = waitFor(() -> room.unlocked.get() != 0 || !room.errors.isEmpty(), ctx, "unlock") && room.unlocked.get() > 0;
        }
        if (ok) {
            out.progress("fanout: " + (occupants - 1) + " more occupants joining");
            for (int i = 1; i < occupants; i++) {
                join(in.session(i), room.room);
            }
            ok = waitFor(() -> room.joins.get() >= occupants || !room.errors.isEmpty(), ctx, "join");
        }
        double joinSeconds = (System.nanoTime() - j0) / 1e9;
        r.put("joined", room.joins.get());
        r.put("join_s", joinSeconds);
        if (!ok || room.joins.get() < occupants) {
            r.put("ok", false);
            r.put("error", "not every occupant joined");
            putErrors(r, room);
            in.closeAll(TimeUnit.SECONDS.toNanos(30));
            return r;
        }

        out.progress("fanout: all " + occupants + " joined in " + String.format(java.util.Locale.ROOT, "%.1f", joinSeconds)
                + " s; " + senders + " sender(s) sending " + messages + " messages at " + rate + "/s");
        room.sending = true;
        Meter.Reading m0 = ctx.meter().read();
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
        long interval = (long) (1e9 / rate);
        for (int k = 0; k < messages; k++) {
            room.stamps.set(k, start + k * interval);
        }
        for (int j = 0; j < senders; j++) {
            XmppSession s = in.session(j);
            int first = j;
            s.loop().execute(() -> s.loop().schedule(room.stamps.get(first), () -> send(s, room, first)));
        }
        long lastDue = room.stamps.get(messages - 1);
        long total = (long) occupants * messages;
        long drainEnd = lastDue + drain.toNanos();
        waitFor(() -> room.delivered.get() >= total || !room.errors.isEmpty()
                || (System.nanoTime() > drainEnd && room.sent.get() >= messages), ctx, "send");
        Meter.Reading m1 = ctx.meter().read();

        long delivered = room.delivered.get();
        long end = room.lastDelivery.get();
        double seconds = end > start ? (end - start) / 1e9 : Double.NaN;
        r.put("deliveries_per_s", Double.isNaN(seconds) ? null : delivered / seconds);
        double cpu = Meter.serverCpuSeconds(m0, m1);
        r.put("server_cpu_us_per_delivery", Double.isNaN(cpu) || delivered == 0 ? null : cpu * 1e6 / delivered);
        Histogram last = new Histogram();
        int complete = 0;
        for (int k = 0; k < messages; k++) {
            if (room.copies.get(k) == occupants) {
                complete++;
                last.record((room.lastCopy.get(k) - room.stamps.get(k)) / 1000);
            }
        }
        r.put("complete_messages", complete);
        if (last.count() > 0) {
            r.put("last_occupant_ms_p50", last.percentile(50) / 1000.0);
            r.put("last_occupant_ms_p99", last.percentile(99) / 1000.0);
            r.put("last_occupant_ms_max", last.max() / 1000.0);
        }
        r.putAll(Meter.cpu(m0, m1));
        r.put("sent", room.sent.get());
        r.put("expected_deliveries", total);
        r.put("delivered", delivered);
        r.put("lost", total - delivered);
        r.put("duplicates", room.duplicates.get());
        r.put("unexpected", room.foreign.get());
        r.put("bounced", room.bounced.get());
        putErrors(r, room);
        r.put("ok", room.errors.isEmpty() && room.sent.get() == messages && delivered == total && complete == messages
                && room.duplicates.get() == 0 && room.foreign.get() == 0 && room.bounced.get() == 0);
        out.progress("fanout: sent " + room.sent.get() + ", delivered " + delivered + " of " + total + ", duplicates "
                + room.duplicates.get());
        in.closeAll(TimeUnit.SECONDS.toNanos(30));
        return r;
    }

    private static void join(XmppSession s, String room) {
        s.loop().execute(() -> s.send("<presence to='" + Xml.escape(room + "/" + nick(s.number()))
                + "'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>"));
    }

    /** Sends message {@code k} at its scheduled time, then schedules this sender's next one. */
    private void send(XmppSession s, Room room, int k) {
        if (!s.isReady()) {
            return;
        }
        long stamp = room.stamps.get(k);
        s.send("<message to='" + Xml.escape(room.room) + "' type='groupchat' id='f" + k + "'><body>" + runId + ' ' + k + ' '
                + stamp + payload + "</body></message>");
        room.sent.incrementAndGet();
        int next = k + senders;
        if (next < messages) {
            EventLoop loop = s.loop();
            loop.schedule(room.stamps.get(next), () -> send(s, room, next));
        }
    }

    private static void putErrors(Map<String, Object> r, Room room) {
        if (!room.errors.isEmpty()) {
            Map<String, Integer> m = new TreeMap<>();
            room.errors.forEach((k, v) -> m.put(k, v.get()));
            r.put("errors", m);
        }
    }

    /** Waits (checking every 2 ms) until the condition holds or the scenario's deadline; false on the deadline. */
    private static boolean waitFor(BooleanSupplier done, Context ctx, String phase) {
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > ctx.deadlineNanos()) {
                ctx.out().progress("fanout: deadline reached during " + phase);
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
        return true;
    }
}
