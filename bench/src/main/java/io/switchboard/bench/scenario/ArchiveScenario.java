package io.switchboard.bench.scenario;

import io.switchboard.bench.Args;
import io.switchboard.bench.client.SessionListener;
import io.switchboard.bench.client.Xml;
import io.switchboard.bench.client.XmppSession;
import io.switchboard.bench.metrics.Histogram;
import io.switchboard.xml.XmlElement;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scenario 5, second part: message archive (XEP-0313, {@code urn:xmpp:mam:2}) query latency on a
 * large archive. The archive owner is account 1; its archive holds M messages numbered 0..M−1 in
 * time order, message {@code i} exchanged with contact {@code i % C} (accounts 2..C+1) and carrying
 * the body {@code "m <i> <i % C> ..."}. The archive is either put in place beforehand, in each
 * server's own database (bench/peers.sh archive-setup writes the same M messages into Switchboard's,
 * Prosody's and ejabberd's tables), or sent through the server first ({@code --fill}).
 *
 * <p>One session of the owner then asks, one query at a time, five kinds of query a client makes,
 * each R times after a warm-up, and checks every answer against the numbering (the run fails on a
 * missing, extra, out-of-order or wrong message, or an error):
 * <ul>
 * <li>{@code latest}: the last page of the whole archive (RSM {@code <before/>}), as a client
 * opening the app;</li>
 * <li>{@code conversation}: the last page of one conversation ({@code with}), as a client opening
 * a chat;</li>
 * <li>{@code scroll}: page after page back through one conversation ({@code <before>id</before>}),
 * ever deeper into the archive, as a user scrolling up;</li>
 * <li>{@code catchup}: everything after a recent id ({@code <after>id</after>}), as a device
 * catching up after a short time offline;</li>
 * <li>{@code time}: the first page from a point in time ({@code start}), as "jump to date".</li>
 * </ul>
 * Latency is from the query's send to its {@code <fin/>} answer, with every result message read.
 */
public final class ArchiveScenario implements Scenario {

    public static final String USAGE = """
            archive: message archive (XEP-0313) query latency on a large archive of account 1 (M messages, message i
            with account 2 + i % C, body "m <i> <i % C> ..."): the last page, a conversation's last page, scrolling back
            through a conversation, catching up after an id, a page from a time; each checked message by message.
              --messages M           messages in the archive (default 1000000; must match what is there)
              --contacts C           conversations (default 100)
              --queries R            measured queries of each kind (default 200)
              --warmup W             unmeasured queries of each kind first (default 20)
              --page N               results per page (default 50)
              --fill true            send the M messages through the server first (account 1 to its contacts,
                                     which are logged in; a server in memory mode keeps 1,000 per archive);
                                     without it the archive must be in place""";

    static final String MAM = "urn:xmpp:mam:2";
    static final String RSM = "http://jabber.org/protocol/rsm";
    private static final String FORWARD = "urn:xmpp:forward:0";
    private static final String DELAY = "urn:xmpp:delay";
    private static final String NS_CLIENT = "jabber:client";
    static final List<String> KINDS = List.of("latest", "conversation", "scroll", "catchup", "time");

    private final int messages;
    private final int contacts;
    private final int queries;
    private final int warmup;
    private final int page;
    private final boolean fill;
    private final Random random = new Random(20261202L);

    public ArchiveScenario(Args a) {
        this.messages = a.integer("messages", 1_000_000, 1, 100_000_000);
        this.contacts = a.integer("contacts", 100, 1, 10_000);
        this.queries = a.integer("queries", 200, 1, 100_000);
        this.warmup = a.integer("warmup", 20, 0, 100_000);
        this.page = a.integer("page", 50, 1, 1_000);
        this.fill = a.flag("fill", false);
        if (messages < page + 1) {
            throw new Args.UsageException("--messages must be larger than --page");
        }
    }

    @Override
    public String name() {
        return "archive";
    }

    /** One archived message as the harness reads it back. */
    record Item(int seq, String id, Instant stamp) {
    }

    /** The answer to one query: its results in the order they came, the fin, or an error. */
    record Answer(List<Item> items, boolean complete, String error, long nanos) {
    }

    /** Collects the results of the one query under way; the owner's session calls it on its loop. */
    private final class Owner implements SessionListener {
        volatile String queryId;
        final List<Item> items = new ArrayList<>();
        volatile CompletableFuture<Answer> answer;
        volatile long sentNanos;
        final AtomicInteger malformed = new AtomicInteger();
        final AtomicLong stray = new AtomicLong();
        volatile String closedReason;
        volatile String fenceId;
        volatile CompletableFuture<Void> fence;

        @Override
        public void stanza(XmppSession s, XmlElement e, long receivedNanos) {
            String qid = queryId;
            if (e.is(NS_CLIENT, "message")) {
                XmlElement result = e.child(MAM, "result");
                if (result == null) {
                    stray.incrementAndGet();
                    return;
                }
                if (qid == null || !qid.equals(result.attr("queryid"))) {
                    stray.incrementAndGet();
                    return;
                }
                Item item = item(result);
                if (item == null) {
                    malformed.incrementAndGet();
                } else {
                    items.add(item);
                }
            } else if (e.is(NS_CLIENT, "iq") && fenceId != null && fenceId.equals(e.attr("id"))) {
                fence.complete(null);
            } else if (e.is(NS_CLIENT, "iq") && qid != null && qid.equals(e.attr("id"))) {
                CompletableFuture<Answer> f = answer;
                List<Item> got = List.copyOf(items);
                items.clear();
                queryId = null;
                long nanos = receivedNanos - sentNanos;
                if (!"result".equals(e.attr("type"))) {
                    XmlElement err = e.child(NS_CLIENT, "error");
                    XmlElement cond = err == null ? null : err.firstElement();
                    f.complete(new Answer(got, false, "iq error " + (cond == null ? "?" : cond.local()), nanos));
                    return;
                }
                XmlElement fin = e.child(MAM, "fin");
                if (fin == null) {
                    f.complete(new Answer(got, false, "no <fin/> in the answer", nanos));
                    return;
                }
                f.complete(new Answer(got, "true".equals(fin.attr("complete")), null, nanos));
            }
        }

        @Override
        public void closed(XmppSession s, boolean error, String reason) {
            if (error) {
                closedReason = reason;
                CompletableFuture<Answer> f = answer;
                if (f != null) {
                    f.complete(new Answer(List.of(), false, "session closed: " + reason, 0));
                }
                CompletableFuture<Void> g = fence;
                if (g != null) {
                    g.completeExceptionally(new IllegalStateException(reason));
                }
            }
        }
    }

    /** The message number, archive id and time of one {@code <result/>}, or null when it is not ours. */
    static Item item(XmlElement result) {
        String id = result.attr("id");
        XmlElement fwd = result.child(FORWARD, "forwarded");
        if (id == null || fwd == null) {
            return null;
        }
        XmlElement delay = fwd.child(DELAY, "delay");
        XmlElement msg = fwd.child(NS_CLIENT, "message");
        if (delay == null || msg == null) {
            return null;
        }
        String body = msg.childText(NS_CLIENT, "body");
        if (body == null || !body.startsWith("m ")) {
            return null;
        }
        int end = body.indexOf(' ', 2);
        try {
            int seq = Integer.parseInt(end < 0 ? body.substring(2) : body.substring(2, end));
            return new Item(seq, id, Instant.parse(delay.attr("stamp")));
        } catch (NumberFormatException | DateTimeParseException | NullPointerException e) {
            return null;
        }
    }

    @Override
    public Map<String, Object> run(Context ctx) throws InterruptedException {
        var pool = ctx.pool();
        var out = ctx.out();
        Map<String, Object> r = newResult(ctx);
        r.put("archive_messages", messages);
        r.put("contacts", contacts);
        r.put("page", page);
        r.put("queries_per_kind", queries);
        r.put("filled_through_server", fill);
        long loginTimeout = ctx.target().loginTimeout().toNanos() + TimeUnit.SECONDS.toNanos(10);

        Owner owner = new Owner();
        Logins in = new Logins(pool, 0, 1, n -> 0, 0, 1, owner, false);
        if (!in.run(Math.min(loginTimeout, ctx.remainingNanos()), () -> { }) || in.failed() > 0) {
            r.put("ok", false);
            r.put("error", "the archive owner could not log in: " + in.failures());
            in.closeAll(TimeUnit.SECONDS.toNanos(10));
            return r;
        }
        XmppSession s = in.session(0);

        if (fill) {
            String error = fill(ctx, s, owner);
            if (error != null) {
                r.put("ok", false);
                r.put("error", error);
                in.closeAll(TimeUnit.SECONDS.toNanos(10));
                return r;
            }
        }

        Checker check = new Checker();
        Map<String, Histogram> latency = new LinkedHashMap<>();
        KINDS.forEach(k -> latency.put(k, new Histogram()));
        Meter.Reading m0 = null;
        long t0 = 0;
        String failure = null;
        out.progress("archive: " + warmup + " warm-up and " + queries + " measured queries of each kind on " + messages
                + " messages");
        outer:
        for (int round = 0; round < 2; round++) {
            boolean measured = round == 1;
            int n = measured ? queries : warmup;
            if (measured) {
                m0 = ctx.meter().read();
                t0 = System.nanoTime();
            }
            for (String kind : KINDS) {
                Histogram h = latency.get(kind);
                String scrollBefore = null;
                int scrollConversation = 0;
                for (int q = 0; q < n; q++) {
                    Query query;
                    switch (kind) {
                        case "latest" -> query = new Query(null, null, null, null, messages - page, messages - 1, 1);
                        case "conversation" -> {
                            int c = random.nextInt(contacts);
                            int last = lastOf(c, messages - 1);
                            query = new Query(contact(ctx, c), null, null, null, firstOfPage(last), last, contacts);
                        }
                        case "scroll" -> {
                            if (scrollBefore == null) {
                                // Start from the last page of a conversation, then go back page by page.
                                scrollConversation = q % contacts;
                                int last = lastOf(scrollConversation, messages - 1);
                                Query start = new Query(contact(ctx, scrollConversation), null, null, null,
                                        firstOfPage(last), last, contacts);
                                Answer a = ask(ctx, owner, s, start, "s" + q);
                                String bad = check.verify(a, start);
                                if (bad != null) {
                                    failure = "scroll start: " + bad;
                                    break outer;
                                }
                                scrollBefore = a.items().get(0).id();
                            }
                            int lastSeq = check.seqOf(scrollBefore) - contacts;
                            if (lastSeq < 0) {
                                // The conversation's first page was reached: start again with another one.
                                scrollBefore = null;
                                q--;
                                continue;
                            }
                            query = new Query(contact(ctx, scrollConversation), null, scrollBefore, null,
                                    firstOfPage(lastSeq), lastSeq, contacts);
                        }
                        case "catchup" -> {
                            int k = 1 + random.nextInt(page - 1);
                            int from = messages - 1 - k;
                            query = new Query(null, check.idOf(from), null, null, from + 1, messages - 1, 1);
                        }
                        default -> {
                            int seq = check.randomKnownSeq(random);
                            query = new Query(null, null, null, check.stampOf(seq), -1, seq, 1);
                        }
                    }
                    if ((kind.equals("catchup") && query.after() == null) || (kind.equals("time") && query.start() == null)) {
                        failure = kind + ": no archive id or time learnt from the earlier queries";
                        break outer;
                    }
                    Answer a = ask(ctx, owner, s, query, kind.charAt(0) + Integer.toString(q));
                    String bad = check.verify(a, query);
                    if (bad != null) {
                        failure = kind + " query " + q + (measured ? "" : " (warm-up)") + ": " + bad;
                        break outer;
                    }
                    if (kind.equals("scroll")) {
                        scrollBefore = a.items().get(0).id();
                    }
                    if (measured) {
                        h.record(TimeUnit.NANOSECONDS.toMicros(a.nanos()));
                    }
                }
            }
        }
        long t1 = System.nanoTime();
        Meter.Reading m1 = ctx.meter().read();
        long measuredQueries = latency.values().stream().mapToLong(Histogram::count).sum();
        for (var e : latency.entrySet()) {
            Histogram h = e.getValue();
            if (h.count() > 0) {
                r.put(e.getKey() + "_ms_p50", h.percentile(50) / 1000.0);
                r.put(e.getKey() + "_ms_p99", h.percentile(99) / 1000.0);
                r.put(e.getKey() + "_ms_max", h.max() / 1000.0);
            }
        }
        if (m0 != null && measuredQueries > 0) {
            double cpu = Meter.serverCpuSeconds(m0, m1);
            r.put("queries_per_s", measuredQueries / ((t1 - t0) / 1e9));
            r.put("server_cpu_us_per_query", Double.isNaN(cpu) ? null : cpu * 1e6 / measuredQueries);
            r.putAll(Meter.cpu(m0, m1));
        }
        r.put("queries", measuredQueries);
        r.put("results_checked", check.checked);
        r.put("stray_stanzas", owner.stray.get());
        r.put("malformed_results", owner.malformed.get());
        if (failure != null) {
            r.put("error", failure);
        }
        r.put("ok", failure == null && owner.malformed.get() == 0 && measuredQueries == (long) queries * KINDS.size());
        out.progress("archive: " + measuredQueries + " queries, " + check.checked + " results checked"
                + (failure == null ? "" : "; failed: " + failure));
        in.closeAll(TimeUnit.SECONDS.toNanos(10));
        return r;
    }

    /** The bare JID of contact {@code c} (account 2 + c). */
    private static String contact(Context ctx, int c) {
        return ctx.target().user(1 + c) + "@" + ctx.target().domain();
    }

    /** The last message number at or before {@code max} in conversation {@code c}. */
    int lastOf(int c, int max) {
        return max - Math.floorMod(max - c, contacts);
    }

    /** The first message number of a page of one conversation that ends at {@code last}. */
    int firstOfPage(int last) {
        int first = last - (page - 1) * contacts;
        return first < 0 ? Math.floorMod(last, contacts) : first;
    }

    /**
     * One query and the message numbers it must return: {@code from..to} every {@code step}
     * (for {@code time}: {@code from} is -1 and the page must be consecutive messages starting at
     * or before {@code to}, none earlier than {@code start}).
     */
    record Query(String with, String after, String before, Instant start, int from, int to, int step) {

        String xml(int max, String qid) {
            StringBuilder b = new StringBuilder(400);
            b.append("<iq type='set' id='").append(qid).append("'><query xmlns='").append(MAM).append("' queryid='")
                    .append(qid).append("'>");
            if (with != null || start != null) {
                b.append("<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>")
                        .append(MAM).append("</value></field>");
                if (with != null) {
                    b.append("<field var='with'><value>").append(Xml.escape(with)).append("</value></field>");
                }
                if (start != null) {
                    b.append("<field var='start'><value>").append(start).append("</value></field>");
                }
                b.append("</x>");
            }
            b.append("<set xmlns='").append(RSM).append("'><max>").append(max).append("</max>");
            if (after != null) {
                b.append("<after>").append(Xml.escape(after)).append("</after>");
            } else if (before != null) {
                b.append("<before>").append(Xml.escape(before)).append("</before>");
            } else if (start == null) {
                b.append("<before/>");
            }
            b.append("</set></query></iq>");
            return b.toString();
        }
    }

    /** Checks answers against the numbering and remembers every archive id and time it saw. */
    private final class Checker {
        final Map<Integer, String> ids = new HashMap<>();
        final Map<String, Integer> seqs = new HashMap<>();
        final TreeMap<Integer, Instant> stamps = new TreeMap<>();
        long checked;

        String verify(Answer a, Query q) {
            if (a.error() != null) {
                return a.error();
            }
            List<Item> items = a.items();
            for (Item it : items) {
                ids.put(it.seq(), it.id());
                seqs.put(it.id(), it.seq());
                stamps.put(it.seq(), it.stamp());
            }
            checked += items.size();
            if (q.from() < 0) {
                if (items.isEmpty()) {
                    return "no messages from " + q.start();
                }
                int first = items.get(0).seq();
                if (first > q.to()) {
                    return "the page from " + q.start() + " starts at message " + first + ", after message " + q.to()
                            + " of that time";
                }
                for (int i = 0; i < items.size(); i++) {
                    Item it = items.get(i);
                    if (it.seq() != first + i) {
                        return "message " + it.seq() + " where " + (first + i) + " was due";
                    }
                    if (it.stamp().isBefore(q.start())) {
                        return "message " + it.seq() + " of " + it.stamp() + " is before the start " + q.start();
                    }
                }
                int want = Math.min(page, messages - first);
                return items.size() == want ? null : items.size() + " messages where " + want + " were due";
            }
            int expected = (q.to() - q.from()) / q.step() + 1;
            if (items.size() != expected) {
                return items.size() + " messages where " + expected + " were due (" + q.from() + ".." + q.to() + ")";
            }
            for (int i = 0; i < expected; i++) {
                int want = q.from() + i * q.step();
                if (items.get(i).seq() != want) {
                    return "message " + items.get(i).seq() + " at position " + i + " where " + want + " was due";
                }
            }
            if (q.after() != null && !a.complete()) {
                return "the page after the last messages is not marked complete";
            }
            return null;
        }

        String idOf(int seq) {
            return ids.get(seq);
        }

        /** The message number of an id seen before (every id passed here was). */
        int seqOf(String id) {
            return seqs.get(id);
        }

        Instant stampOf(int seq) {
            return stamps.get(seq);
        }

        int randomKnownSeq(Random r) {
            // A message seen while scrolling, some way back: any but the last page's.
            List<Integer> known = new ArrayList<>(stamps.headMap(messages - page).keySet());
            if (known.isEmpty()) {
                known = new ArrayList<>(stamps.keySet());
            }
            return known.isEmpty() ? 0 : known.get(r.nextInt(known.size()));
        }
    }

    private Answer ask(Context ctx, Owner owner, XmppSession s, Query query, String id) throws InterruptedException {
        CompletableFuture<Answer> f = new CompletableFuture<>();
        String qid = id + "-" + Long.toString(System.nanoTime(), 36);
        String xml = query.xml(page, qid);
        s.loop().execute(() -> {
            owner.items.clear();
            owner.answer = f;
            owner.queryId = qid;
            owner.sentNanos = System.nanoTime();
            s.send(xml);
        });
        try {
            return f.get(Math.max(1, Math.min(TimeUnit.SECONDS.toNanos(30), ctx.remainingNanos())), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            return new Answer(List.of(), false, "failed: " + e.getCause(), 0);
        } catch (TimeoutException e) {
            return new Answer(List.of(), false, "no answer within 30 s", 0);
        }
    }

    /** Sends the M messages through the server: the owner to its logged-in contacts, a window at a time. */
    private String fill(Context ctx, XmppSession s, Owner owner) throws InterruptedException {
        // The contacts must be online (an offline store would refuse most of M).
        SessionListener quiet = new SessionListener() { };
        Logins contactsIn = new Logins(ctx.pool(), 1, contacts, n -> n % ctx.pool().loopCount(), 0, 64, quiet, false);
        if (!contactsIn.run(Math.min(ctx.target().loginTimeout().toNanos() + TimeUnit.SECONDS.toNanos(contacts / 50L + 10),
                ctx.remainingNanos()), () -> { }) || contactsIn.failed() > 0) {
            contactsIn.closeAll(TimeUnit.SECONDS.toNanos(10));
            return "contacts could not log in: " + contactsIn.failures();
        }
        ctx.out().progress("archive: filling the archive with " + messages + " messages through the server");
        String[] to = new String[contacts];
        for (int c = 0; c < contacts; c++) {
            to[c] = Xml.escape(ctx.target().user(1 + c) + "@" + ctx.target().domain());
        }
        int chunk = 500;
        for (int from = 0; from < messages; from += chunk) {
            int end = Math.min(messages, from + chunk);
            int a = from;
            CompletableFuture<Void> fenced = new CompletableFuture<>();
            String fence = "fill" + from;
            s.loop().execute(() -> {
                owner.fence = fenced;
                owner.fenceId = fence;
                StringBuilder b = new StringBuilder((end - a) * 120);
                for (int i = a; i < end; i++) {
                    b.append("<message type='chat' id='f").append(i).append("' to='").append(to[i % contacts])
                            .append("'><body>m ").append(i).append(' ').append(i % contacts)
                            .append(" archive benchmark message</body></message>");
                }
                b.append("<iq type='get' id='").append(fence).append("'><ping xmlns='urn:xmpp:ping'/></iq>");
                s.send(b.toString());
            });
            try {
                fenced.get(Math.max(1, ctx.remainingNanos()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                return "the owner's session ended while filling: " + e.getCause().getMessage();
            } catch (TimeoutException e) {
                return "deadline reached while filling";
            }
        }
        contactsIn.closeAll(TimeUnit.SECONDS.toNanos(10));
        return null;
    }
}
