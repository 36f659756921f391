package io.switchboard.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.ext.pubsub.PepModule;
import io.switchboard.jid.Jid;
import io.switchboard.store.RosterItem;
import io.switchboard.store.Subscription;
import io.switchboard.store.memory.InMemoryStorage;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.TestServer;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Personal eventing (XEP-0163) over real client connections: implicit subscriptions through
 * entity capabilities, access models, publish-options, item limits, last items, and the avatar,
 * bookmarks and OMEMO uses.
 */
class PepIT {

    static final String D = TestServer.DOMAIN;
    static final String PS = "http://jabber.org/protocol/pubsub";
    static final String OWNER = PS + "#owner";
    static final String EVENT = PS + "#event";
    static final String ERRORS = PS + "#errors";
    static TestServer server;
    static PepModule pep;
    static int ids;

    @BeforeAll
    static void start() throws Exception {
        InMemoryStorage storage = new InMemoryStorage();
        pep = new PepModule();
        server = TestServer.start(Map.of("pep.max-item-size", "8KiB", "pep.max-nodes", "12", "pep.max-items", "50"),
                c -> storage, List.of(pep));
        for (String u : new String[]{"alice", "bob", "carol", "dave", "erin", "frank", "gina", "hank", "ivan", "jack", "kate", "liam", "mia", "noah", "olga", "pete", "quinn"}) {
            server.addUser(u, u + "-pw");
        }
        // Presence subscriptions both ways: alice–bob, erin–frank, gina–hank; carol is nobody's contact.
        befriend("alice", "bob", List.of());
        befriend("erin", "frank", List.of());
        befriend("gina", "hank", List.of());
        befriend("alice", "dave", List.of("Family"));
        befriend("jack", "kate", List.of());
        befriend("olga", "pete", List.of());
        server.addUser("star", "star-pw");
        for (int i = 0; i < FANS; i++) {
            server.addUser("fan" + i, "fan" + i + "-pw");
            befriend("star", "fan" + i, List.of());
        }
    }

    static final int FANS = 20;
    static final int POSTS = 100;

    @AfterAll
    static void stop() {
        server.close();
    }

    static Jid jid(String user) {
        return Jid.of(user + "@" + D);
    }

    static void befriend(String a, String b, List<String> groups) {
        var rosters = server.server().context().rosters();
        rosters.update(jid(a), jid(b), i -> RosterItem.of(jid(b)).withGroups(groups).withState(Subscription.BOTH, false,
                false, false));
        rosters.update(jid(b), jid(a), i -> RosterItem.of(jid(a)).withGroups(groups).withState(Subscription.BOTH, false,
                false, false));
    }

    /** A raw client that keeps what it read past while waiting for something else. */
    static final class Peer implements AutoCloseable {
        final RawClient c;
        final String jid;
        final Deque<XmlElement> backlog = new ArrayDeque<>();

        Peer(RawClient c, String jid) {
            this.c = c;
            this.jid = jid;
        }

        XmlElement await(Predicate<XmlElement> p) throws InterruptedException {
            for (Iterator<XmlElement> it = backlog.iterator(); it.hasNext(); ) {
                XmlElement e = it.next();
                if (p.test(e)) {
                    it.remove();
                    return e;
                }
            }
            while (true) {
                XmlElement e = c.element();
                if (p.test(e)) {
                    return e;
                }
                backlog.add(e);
            }
        }

        /** Sends an IQ and returns its answer. */
        XmlElement iq(String type, String to, String payload) throws Exception {
            String id = "q" + (++ids);
            c.send("<iq type='" + type + "' id='" + id + "'" + (to == null ? "" : " to='" + to + "'") + ">" + payload
                    + "</iq>");
            return await(e -> e.is(Ns.CLIENT, "iq") && id.equals(e.attr("id")));
        }

        XmlElement ok(String type, String to, String payload) throws Exception {
            XmlElement r = iq(type, to, payload);
            assertThat(r.attr("type")).as("answer to " + payload + ": " + r).isEqualTo("result");
            return r;
        }

        /** The next PEP event about {@code node}. */
        XmlElement event(String node) throws InterruptedException {
            return await(e -> e.is(Ns.CLIENT, "message") && e.child(EVENT, "event") != null
                    && node.equals(eventNode(e)));
        }

        /** Everything queued for this client was read: no event about {@code node} among it. */
        void noEvent(String node) throws Exception {
            ok("get", D, "<ping xmlns='urn:xmpp:ping'/>");
            assertThat(backlog).noneMatch(e -> e.is(Ns.CLIENT, "message") && node.equals(eventNode(e)));
        }

        @Override
        public void close() throws java.io.IOException {
            c.close();
        }
    }

    static String eventNode(XmlElement m) {
        XmlElement ev = m.child(EVENT, "event");
        if (ev == null) {
            return null;
        }
        XmlElement first = ev.firstElement();
        return first == null ? null : first.attr("node");
    }

    /** Logs in and sends presence with entity capabilities naming {@code notify} nodes, answering the caps query. */
    static Peer online(String user, String resource, String... notify) throws Exception {
        return onlineAs(user, resource, null, notify);
    }

    /** As {@link #online(String, String, String...)}, announcing {@code fakeVer} instead of the real hash when given. */
    static Peer onlineAs(String user, String resource, String fakeVer, String... notify) throws Exception {
        Peer p = login(user, resource);
        TreeSet<String> features = capsFeatures(user + "/" + resource, notify);
        String ver = fakeVer != null ? fakeVer : capsVer(features);
        XmlElement q = announce(p, ver);
        p.c.send(capsAnswer(q, ver, features));
        // The session's stanzas are handled in order: once this answer is back, the caps answer was processed.
        p.ok("get", D, "<ping xmlns='urn:xmpp:ping'/>");
        return p;
    }

    static Peer login(String user, String resource) throws Exception {
        RawClient c = RawClient.connect(server.c2sPort()).loginAndBind(server.clientSslContext(), D, user, user + "-pw",
                resource);
        return new Peer(c, user + "@" + D + "/" + resource);
    }

    /** The features of a test client: disco#info, caps, one naming {@code tag}, and {@code notify} nodes' +notify. */
    static TreeSet<String> capsFeatures(String tag, String... notify) {
        TreeSet<String> features = new TreeSet<>(List.of(Ns.DISCO_INFO, Ns.CAPS, "urn:test:" + tag));
        for (String n : notify) {
            features.add(n + "+notify");
        }
        return features;
    }

    /** The SHA-1 caps hash of identity client/pc "Test" with {@code features}, computed here by hand. */
    static String capsVer(TreeSet<String> features) throws Exception {
        StringBuilder s = new StringBuilder("client/pc//Test<");
        for (String f : features) {
            s.append(f).append('<');
        }
        return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                .digest(s.toString().getBytes(StandardCharsets.UTF_8)));
    }

    /** Sends presence with caps {@code ver} and returns the server's disco#info query about it. */
    static XmlElement announce(Peer p, String ver) throws Exception {
        sendCaps(p, ver);
        XmlElement q = p.await(PepIT::isCapsQuery);
        assertThat(q.child(Ns.DISCO_INFO, "query").attr("node")).isEqualTo("urn:test#" + ver);
        assertThat(q.attr("from")).isEqualTo(D);
        return q;
    }

    static void sendCaps(Peer p, String ver) throws Exception {
        p.c.send("<presence><c xmlns='" + Ns.CAPS + "' hash='sha-1' node='urn:test' ver='" + ver + "'/></presence>");
    }

    static boolean isCapsQuery(XmlElement e) {
        return e.is(Ns.CLIENT, "iq") && "get".equals(e.attr("type")) && e.child(Ns.DISCO_INFO, "query") != null;
    }

    /** The answer to the caps query {@code q}. */
    static String capsAnswer(XmlElement q, String ver, TreeSet<String> features) {
        StringBuilder answer = new StringBuilder("<iq type='result' to='" + D + "' id='" + q.attr("id") + "'><query xmlns='"
                + Ns.DISCO_INFO + "' node='urn:test#" + ver + "'><identity category='client' type='pc' name='Test'/>");
        for (String f : features) {
            answer.append("<feature var='").append(f).append("'/>");
        }
        return answer.append("</query></iq>").toString();
    }

    static String publish(String node, String id, String payload, String options) {
        StringBuilder s = new StringBuilder("<pubsub xmlns='" + PS + "'><publish node='" + node + "'><item"
                + (id == null ? "" : " id='" + id + "'") + ">" + payload + "</item></publish>");
        if (options != null) {
            s.append("<publish-options><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>"
                    + PS + "#publish-options</value></field>").append(options).append("</x></publish-options>");
        }
        return s.append("</pubsub>").toString();
    }

    static String field(String var, String value) {
        return "<field var='" + var + "'><value>" + value + "</value></field>";
    }

    static String items(String node, String extra) {
        return "<pubsub xmlns='" + PS + "'><items node='" + node + "'" + extra + "</pubsub>";
    }

    static List<String> itemIds(XmlElement result) {
        List<String> out = new ArrayList<>();
        for (XmlElement i : result.child(PS, "pubsub").child(PS, "items").elements(PS, "item")) {
            out.add(i.attr("id"));
        }
        return out;
    }

    static String condition(XmlElement error) {
        XmlElement e = error.child(Ns.CLIENT, "error");
        return e.childInNs(Ns.STANZA_ERRORS).local() + (e.childInNs(ERRORS) == null ? "" : "/" + e.childInNs(ERRORS).local());
    }

    /** A Smack client with PEP listeners registered before it logs in (its first presence announces them). */
    static org.jivesoftware.smack.tcp.XMPPTCPConnection smack(String user, java.util.function.Consumer<
            org.jivesoftware.smack.tcp.XMPPTCPConnection> before) throws Exception {
        var c = new org.jivesoftware.smack.tcp.XMPPTCPConnection(io.switchboard.testing.Clients.config(server, user,
                user + "-pw").setResource("smack").build());
        before.accept(c);
        c.connect().login();
        return c;
    }

    // ---------------------------------------------------------------- tests

    @Test
    void smackClientsPublishAndReceiveNicknamesAndLocations() throws Exception {
        var nick = new java.util.concurrent.CompletableFuture<String>();
        var geo = new java.util.concurrent.CompletableFuture<String>();
        var kate = smack("kate", c -> org.jivesoftware.smackx.pep.PepManager.getInstanceFor(c).addPepEventListener(
                org.jivesoftware.smackx.nick.packet.Nick.NAMESPACE, org.jivesoftware.smackx.nick.packet.Nick.class,
                (from, n, id, m) -> nick.complete(from + " " + n.getName())));
        var jack = smack("jack", c -> org.jivesoftware.smackx.geoloc.GeoLocationManager.getInstanceFor(c)
                .addGeoLocationListener((from, g, id, m) -> geo.complete(from + " " + g.getLocality())));
        try {
            assertThat(org.jivesoftware.smackx.pep.PepManager.getInstanceFor(jack).isSupported()).isTrue();
            org.jivesoftware.smackx.pep.PepManager.getInstanceFor(jack).publish(
                    org.jivesoftware.smackx.nick.packet.Nick.NAMESPACE,
                    new org.jivesoftware.smackx.pubsub.PayloadItem<>(new org.jivesoftware.smackx.nick.packet.Nick("Jacky")));
            assertThat(nick.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("jack@" + D + " Jacky");
            org.jivesoftware.smackx.geoloc.GeoLocationManager.getInstanceFor(kate).publishGeoLocation(
                    org.jivesoftware.smackx.geoloc.packet.GeoLocation.builder().setLocality("Lisbon").build());
            assertThat(geo.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("kate@" + D + " Lisbon");
            assertThat(pep.cachedCaps()).isPositive();
        } finally {
            jack.disconnect();
            kate.disconnect();
        }
    }

    @Test
    void theAccountAdvertisesPep() throws Exception {
        try (Peer carol = online("carol", "disco")) {
            XmlElement info = carol.ok("get", "alice@" + D, "<query xmlns='" + Ns.DISCO_INFO + "'/>");
            XmlElement q = info.child(Ns.DISCO_INFO, "query");
            assertThat(q.elements(Ns.DISCO_INFO, "identity"))
                    .anyMatch(i -> "pubsub".equals(i.attr("category")) && "pep".equals(i.attr("type")));
            List<String> vars = q.elements(Ns.DISCO_INFO, "feature").stream().map(f -> f.attr("var")).toList();
            assertThat(vars).contains(PS + "#publish", PS + "#publish-options", PS + "#auto-create",
                    PS + "#access-presence", PS + "#access-open", PS + "#access-whitelist", PS + "#persistent-items",
                    PS + "#last-published", "urn:xmpp:bookmarks:1#compat");
        }
    }

    @Test
    void aPublishNotifiesOwnResourcesAndSubscribedContactsThatAskedForIt() throws Exception {
        String tune = "http://jabber.org/protocol/tune";
        try (Peer alice = online("alice", "a1", tune); Peer alice2 = online("alice", "a2");
             Peer bob = online("bob", "b1", tune); Peer carol = online("carol", "c1", tune)) {
            XmlElement r = alice.ok("set", null, publish(tune, "t1",
                    "<tune xmlns='" + tune + "'><artist>Yes</artist><title>Heart of the Sunrise</title></tune>", null));
            assertThat(r.child(PS, "pubsub").child(PS, "publish").child(PS, "item").attr("id")).isEqualTo("t1");
            XmlElement m = bob.event(tune);
            assertThat(m.attr("from")).isEqualTo("alice@" + D);
            assertThat(m.attr("type")).isEqualTo("headline");
            XmlElement item = m.child(EVENT, "event").child(EVENT, "items").child(EVENT, "item");
            assertThat(item.attr("id")).isEqualTo("t1");
            assertThat(item.child(tune, "tune").childText(tune, "artist")).isEqualTo("Yes");
            alice.event(tune);
            // Without +notify, and without a subscription, nothing arrives.
            alice2.noEvent(tune);
            carol.noEvent(tune);
            // A publish without an id gets one from the service.
            XmlElement gen = alice.ok("set", null, publish(tune, null, "<tune xmlns='" + tune + "'/>", null));
            String id = gen.child(PS, "pubsub").child(PS, "publish").child(PS, "item").attr("id");
            assertThat(id).isNotEmpty();
            assertThat(bob.event(tune).child(EVENT, "event").child(EVENT, "items").child(EVENT, "item").attr("id"))
                    .isEqualTo(id);
            // Only the owner publishes.
            XmlElement denied = bob.iq("set", "alice@" + D, publish(tune, "x", "<tune xmlns='" + tune + "'/>", null));
            assertThat(condition(denied)).isEqualTo("forbidden/insufficient-privileges");
        }
    }

    @Test
    void accessModelsDecideWhoRetrievesItems() throws Exception {
        try (Peer erin = online("erin", "e"); Peer frank = online("frank", "f"); Peer carol = online("carol", "c2")) {
            erin.ok("set", null, publish("urn:test:presence", "1", "<p xmlns='urn:test'/>", null));
            erin.ok("set", null, publish("urn:test:open", "1", "<p xmlns='urn:test'/>",
                    field("pubsub#access_model", "open")));
            erin.ok("set", null, publish("urn:test:whitelist", "1", "<p xmlns='urn:test'/>",
                    field("pubsub#access_model", "whitelist")));
            String e = "erin@" + D;
            // presence (the default): contacts with a subscription only.
            assertThat(itemIds(frank.ok("get", e, items("urn:test:presence", "/>")))).containsExactly("1");
            assertThat(condition(carol.iq("get", e, items("urn:test:presence", "/>"))))
                    .isEqualTo("not-authorized/presence-subscription-required");
            // open: anyone.
            assertThat(itemIds(carol.ok("get", e, items("urn:test:open", "/>")))).containsExactly("1");
            // whitelist: the owner only.
            assertThat(condition(frank.iq("get", e, items("urn:test:whitelist", "/>")))).isEqualTo("not-allowed/closed-node");
            assertThat(itemIds(erin.ok("get", null, items("urn:test:whitelist", "/>")))).containsExactly("1");
            // Unknown nodes.
            assertThat(condition(frank.iq("get", e, items("urn:test:none", "/>")))).isEqualTo("item-not-found");
        }
    }

    @Test
    void theRosterAccessModelAdmitsTheNamedGroups() throws Exception {
        try (Peer alice = online("alice", "roster"); Peer dave = online("dave", "d"); Peer bob = online("bob", "roster")) {
            alice.ok("set", null, "<pubsub xmlns='" + PS + "'><create node='urn:test:family'/><configure>"
                    + "<x xmlns='jabber:x:data' type='submit'>" + field("FORM_TYPE", PS + "#node_config")
                    + field("pubsub#access_model", "roster") + field("pubsub#roster_groups_allowed", "Family")
                    + "</x></configure></pubsub>");
            alice.ok("set", null, publish("urn:test:family", "1", "<p xmlns='urn:test'/>", null));
            assertThat(itemIds(dave.ok("get", "alice@" + D, items("urn:test:family", "/>")))).containsExactly("1");
            assertThat(condition(bob.iq("get", "alice@" + D, items("urn:test:family", "/>"))))
                    .isEqualTo("not-authorized/not-in-roster-group");
        }
    }

    @Test
    void publishOptionsArePreconditions() throws Exception {
        try (Peer gina = online("gina", "g")) {
            String node = "urn:test:precondition";
            gina.ok("set", null, publish(node, "1", "<p xmlns='urn:test'/>", field("pubsub#access_model", "open")
                    + field("pubsub#persist_items", "true") + field("pubsub#max_items", "max")));
            // The same options hold: accepted.
            gina.ok("set", null, publish(node, "2", "<p xmlns='urn:test'/>", field("pubsub#access_model", "open")
                    + field("pubsub#max_items", "max")));
            XmlElement conflict = gina.iq("set", null, publish(node, "3", "<p xmlns='urn:test'/>",
                    field("pubsub#access_model", "whitelist")));
            assertThat(condition(conflict)).isEqualTo("conflict/precondition-not-met");
            assertThat(itemIds(gina.ok("get", null, items(node, "/>")))).containsExactly("1", "2");
            // The client reconfigures the node (what Conversations does), then the publish succeeds.
            XmlElement form = gina.ok("get", null, "<pubsub xmlns='" + OWNER + "'><configure node='" + node + "'/></pubsub>");
            XmlElement x = form.child(OWNER, "pubsub").child(OWNER, "configure").child("jabber:x:data", "x");
            assertThat(x.elements("jabber:x:data", "field")).anyMatch(f -> "pubsub#access_model".equals(f.attr("var"))
                    && "open".equals(f.childText("jabber:x:data", "value")));
            gina.ok("set", null, "<pubsub xmlns='" + OWNER + "'><configure node='" + node + "'>"
                    + "<x xmlns='jabber:x:data' type='submit'>" + field("FORM_TYPE", PS + "#node_config")
                    + field("pubsub#access_model", "whitelist") + "</x></configure></pubsub>");
            gina.ok("set", null, publish(node, "3", "<p xmlns='urn:test'/>", field("pubsub#access_model", "whitelist")));
            // Unsupported values are refused too.
            assertThat(condition(gina.iq("set", null, publish("urn:test:authorize", "1", "<p xmlns='urn:test'/>",
                    field("pubsub#access_model", "authorize"))))).isEqualTo("conflict/precondition-not-met");
        }
    }

    @Test
    void theLastItemReachesAContactThatComesOnline() throws Exception {
        String mood = "http://jabber.org/protocol/mood";
        try (Peer hank = online("hank", "h")) {
            hank.ok("set", null, publish(mood, "m1", "<mood xmlns='" + mood + "'><happy/></mood>", null));
            hank.ok("set", null, publish(mood, "m2", "<mood xmlns='" + mood + "'><curious/></mood>", null));
            try (Peer gina = online("gina", "late", mood)) {
                XmlElement m = gina.event(mood);
                assertThat(m.attr("from")).isEqualTo("hank@" + D);
                XmlElement item = m.child(EVENT, "event").child(EVENT, "items").child(EVENT, "item");
                assertThat(item.attr("id")).isEqualTo("m2");
                assertThat(item.child(mood, "mood").child(mood, "curious")).isNotNull();
            }
            // The owner's own new resource gets it as well.
            try (Peer hank2 = online("hank", "h2", mood)) {
                assertThat(hank2.event(mood).attr("from")).isEqualTo("hank@" + D);
            }
        }
    }

    @Test
    void maxItemsTrimsRetractPurgeAndDeleteNotify() throws Exception {
        String node = "urn:test:list";
        try (Peer erin = online("erin", "list"); Peer frank = online("frank", "list", node)) {
            erin.ok("set", null, publish(node, "1", "<p xmlns='urn:test'>1</p>", field("pubsub#max_items", "2")));
            erin.ok("set", null, publish(node, "2", "<p xmlns='urn:test'>2</p>", null));
            erin.ok("set", null, publish(node, "3", "<p xmlns='urn:test'>3</p>", null));
            for (int i = 0; i < 3; i++) {
                frank.event(node);
            }
            String e = "erin@" + D;
            assertThat(itemIds(frank.ok("get", e, items(node, "/>")))).containsExactly("2", "3");
            assertThat(itemIds(frank.ok("get", e, items(node, " max_items='1'/>")))).containsExactly("3");
            assertThat(itemIds(frank.ok("get", e, items(node, "><item id='2'/></items>")))).containsExactly("2");
            // Republishing an id replaces the item.
            erin.ok("set", null, publish(node, "2", "<p xmlns='urn:test'>2b</p>", null));
            frank.event(node);
            XmlElement both = frank.ok("get", e, items(node, "/>"));
            assertThat(itemIds(both)).containsExactly("3", "2");
            assertThat(both.child(PS, "pubsub").child(PS, "items").elements(PS, "item").get(1).child("urn:test", "p").text())
                    .isEqualTo("2b");
            // max_items=max: the server's limit (pep.max-items=50).
            erin.ok("set", null, "<pubsub xmlns='" + OWNER + "'><configure node='" + node + "'>"
                    + "<x xmlns='jabber:x:data' type='submit'>" + field("pubsub#max_items", "max") + "</x></configure></pubsub>");
            for (int i = 10; i < 60; i++) {
                erin.ok("set", null, publish(node, Integer.toString(i), "<p xmlns='urn:test'/>", null));
                frank.event(node);
            }
            List<String> ids = itemIds(frank.ok("get", e, items(node, "/>")));
            assertThat(ids).hasSize(50).startsWith("10").endsWith("59");
            assertThat(condition(erin.iq("set", null, "<pubsub xmlns='" + OWNER + "'><configure node='" + node + "'>"
                    + "<x xmlns='jabber:x:data' type='submit'>" + field("pubsub#max_items", "51")
                    + "</x></configure></pubsub>"))).isEqualTo("not-acceptable");
            // A retraction of several items (an unknown id among them) is one notification of those removed.
            erin.ok("set", null, "<pubsub xmlns='" + PS + "'><retract node='" + node + "' notify='true'><item id='57'/>"
                    + "<item id='nope'/><item id='58'/></retract></pubsub>");
            assertThat(frank.event(node).child(EVENT, "event").child(EVENT, "items").elements(EVENT, "retract"))
                    .extracting(x -> x.attr("id")).containsExactly("57", "58");
            // A smaller max_items drops the oldest items at once.
            erin.ok("set", null, "<pubsub xmlns='" + OWNER + "'><configure node='" + node + "'>"
                    + "<x xmlns='jabber:x:data' type='submit'>" + field("pubsub#max_items", "3") + "</x></configure></pubsub>");
            assertThat(itemIds(frank.ok("get", e, items(node, "/>")))).containsExactly("55", "56", "59");
            // Retract with notify.
            erin.ok("set", null, "<pubsub xmlns='" + PS + "'><retract node='" + node + "' notify='true'><item id='59'/>"
                    + "</retract></pubsub>");
            XmlElement retract = frank.event(node).child(EVENT, "event").child(EVENT, "items").child(EVENT, "retract");
            assertThat(retract.attr("id")).isEqualTo("59");
            assertThat(condition(erin.iq("set", null, "<pubsub xmlns='" + PS + "'><retract node='" + node + "'>"
                    + "<item id='59'/></retract></pubsub>"))).isEqualTo("item-not-found");
            // Purge, then delete.
            erin.ok("set", null, "<pubsub xmlns='" + OWNER + "'><purge node='" + node + "'/></pubsub>");
            assertThat(frank.event(node).child(EVENT, "event").child(EVENT, "purge")).isNotNull();
            assertThat(itemIds(frank.ok("get", e, items(node, "/>")))).isEmpty();
            erin.ok("set", null, "<pubsub xmlns='" + OWNER + "'><delete node='" + node + "'/></pubsub>");
            assertThat(frank.event(node).child(EVENT, "event").child(EVENT, "delete")).isNotNull();
            assertThat(condition(frank.iq("get", e, items(node, "/>")))).isEqualTo("item-not-found");
        }
    }

    @Test
    void limitsOnItemSizeAndNodeCount() throws Exception {
        try (Peer ivan = online("ivan", "limits")) {
            String big = "<p xmlns='urn:test'>" + "x".repeat(9000) + "</p>";
            assertThat(condition(ivan.iq("set", null, publish("urn:test:big", "1", big, null))))
                    .isEqualTo("not-acceptable/payload-too-big");
            int existing = pep.store().nodes(jid("ivan")).size();
            for (int i = existing; i < 12; i++) {
                ivan.ok("set", null, publish("urn:test:n" + i, "1", "<p xmlns='urn:test'/>", null));
            }
            assertThat(condition(ivan.iq("set", null, publish("urn:test:one-too-many", "1", "<p xmlns='urn:test'/>", null))))
                    .isEqualTo("policy-violation");
            // Bad requests.
            assertThat(condition(ivan.iq("set", null, "<pubsub xmlns='" + PS + "'><publish node='urn:test:n1'/></pubsub>")))
                    .isEqualTo("bad-request/item-required");
            assertThat(condition(ivan.iq("set", null, "<pubsub xmlns='" + PS + "'><publish><item/></publish></pubsub>")))
                    .isEqualTo("bad-request/nodeid-required");
        }
    }

    @Test
    void deletingAnAccountDeletesItsNodes() throws Exception {
        try (Peer liam = online("liam", "l")) {
            liam.ok("set", null, publish("urn:test:gone", "1", "<p xmlns='urn:test'/>", null));
        }
        assertThat(pep.store().nodes(jid("liam"))).hasSize(1);
        assertThat(server.server().context().accounts().delete(jid("liam"))).isTrue();
        assertThat(pep.store().nodes(jid("liam"))).isEmpty();
        server.addUser("liam", "liam-pw");
        try (Peer liam = online("liam", "again")) {
            assertThat(condition(liam.iq("get", null, items("urn:test:gone", "/>")))).isEqualTo("item-not-found");
        }
    }

    /** Fan-out: every interested contact gets every item, in publication order (also prints the rate). */
    @Test
    void aPublishFansOutToEveryInterestedContactInOrder() throws Exception {
        String node = "urn:test:fanout";
        List<Peer> fans = new ArrayList<>();
        try (Peer star = online("star", "s")) {
            for (int i = 0; i < FANS; i++) {
                fans.add(online("fan" + i, "f", node));
            }
            long p0 = System.nanoTime();
            for (int i = 0; i < POSTS; i++) {
                star.ok("get", D, "<ping xmlns='urn:xmpp:ping'/>");
            }
            System.out.printf("ping round trips %.0f/s%n", POSTS / ((System.nanoTime() - p0) / 1e9));
            long start = System.nanoTime();
            for (int i = 0; i < POSTS; i++) {
                star.ok("set", null, publish(node, "i" + i, "<p xmlns='urn:test'>" + i + "</p>", field("pubsub#max_items", "max")));
            }
            long published = System.nanoTime();
            for (Peer f : fans) {
                for (int i = 0; i < POSTS; i++) {
                    XmlElement m = f.event(node);
                    assertThat(m.child(EVENT, "event").child(EVENT, "items").child(EVENT, "item").attr("id")).isEqualTo("i" + i);
                }
            }
            long received = System.nanoTime();
            System.out.printf("PEP fan-out: %d publishes to %d interested contacts: publish round trips %.0f/s, "
                    + "%d notifications received in %d ms (%.0f/s)%n", POSTS, FANS,
                    POSTS / ((published - start) / 1e9), POSTS * FANS, (received - start) / 1_000_000,
                    POSTS * FANS / ((received - start) / 1e9));
        } finally {
            for (Peer f : fans) {
                f.close();
            }
        }
    }

    @Test
    void anApprovedSubscriberGetsTheLastItems() throws Exception {
        String nick = "http://jabber.org/protocol/nick";
        try (Peer mia = online("mia", "m"); Peer noah = online("noah", "n", nick)) {
            mia.ok("set", null, publish(nick, "current", "<nick xmlns='" + nick + "'>Mia</nick>", null));
            noah.noEvent(nick);
            noah.c.send("<presence type='subscribe' to='mia@" + D + "'/>");
            mia.await(e -> e.is(Ns.CLIENT, "presence") && "subscribe".equals(e.attr("type")));
            mia.c.send("<presence type='subscribed' to='noah@" + D + "'/>");
            XmlElement m = noah.event(nick);
            assertThat(m.attr("from")).isEqualTo("mia@" + D);
            assertThat(m.child(EVENT, "event").child(EVENT, "items").child(EVENT, "item").child(nick, "nick").text())
                    .isEqualTo("Mia");
        }
    }

    @Test
    void aCapsHashThatDoesNotMatchItsFeaturesServesOnlyThatResource() throws Exception {
        String node = "urn:test:unverified";
        int cached = pep.cachedCaps();
        // online() answers the server's query with features whose hash is not "bogus=".
        try (Peer olga = online("olga", "o"); Peer pete = onlineAs("pete", "p1", "bogus=", node);
             Peer pete2 = onlineAs("pete", "p2", "bogus=", node)) {
            assertThat(pep.cachedCaps()).isEqualTo(cached + 1); // olga's real hash only
            olga.ok("set", null, publish(node, "1", "<p xmlns='urn:test'/>", null));
            pete.event(node);
            pete2.event(node);
        }
    }

    /**
     * XEP-0115 §6.3 with a slow client: a hash nobody announced before is asked about once, of the
     * first resource naming it; while that resource holds back its answer, notifications to the
     * resources whose caps are known go out; once it answers, every resource waiting on that hash gets
     * the last item and, from then on, the notifications.
     */
    @Test
    void aCapsQueryInProgressHoldsUpNoNotificationAndIsAskedOnce() throws Exception {
        String node = "urn:test:slow-caps";
        TreeSet<String> features = capsFeatures("quinn-slow", node);
        String ver = capsVer(features);
        try (Peer known = online("quinn", "known", node); Peer slow = login("quinn", "slow");
             Peer same = login("quinn", "same")) {
            XmlElement query = announce(slow, ver); // not answered yet
            sendCaps(same, ver);
            known.ok("set", null, publish(node, "1", "<p xmlns='urn:test'>1</p>", null));
            assertThat(known.event(node).child(EVENT, "event").child(EVENT, "items").child(EVENT, "item").attr("id"))
                    .isEqualTo("1");
            // Same hash, resolution in progress: no second query, and no event while the features are unknown.
            same.ok("get", D, "<ping xmlns='urn:xmpp:ping'/>");
            assertThat(same.backlog).noneMatch(PepIT::isCapsQuery);
            same.noEvent(node);
            slow.noEvent(node);

            slow.c.send(capsAnswer(query, ver, features));
            for (Peer p : List.of(slow, same)) {
                XmlElement last = p.event(node);
                assertThat(last.child(EVENT, "event").child(EVENT, "items").child(EVENT, "item").attr("id")).isEqualTo("1");
            }
            known.ok("set", null, publish(node, "2", "<p xmlns='urn:test'>2</p>", null));
            for (Peer p : List.of(known, slow, same)) {
                assertThat(p.event(node).child(EVENT, "event").child(EVENT, "items").child(EVENT, "item").attr("id"))
                        .isEqualTo("2");
            }
            same.ok("get", D, "<ping xmlns='urn:xmpp:ping'/>");
            assertThat(same.backlog).noneMatch(PepIT::isCapsQuery);
        }
    }

    @Test
    void omemoKeysAreRetrievableByStrangersWhenOpen() throws Exception {
        String devicelist = "eu.siacs.conversations.axolotl.devicelist";
        String bundle = "eu.siacs.conversations.axolotl.bundles:4223";
        String ax = "eu.siacs.conversations.axolotl";
        try (Peer bob = online("bob", "omemo"); Peer carol = online("carol", "omemo")) {
            bob.ok("set", null, publish(devicelist, "current", "<list xmlns='" + ax + "'><device id='4223'/></list>",
                    field("pubsub#access_model", "open")));
            bob.ok("set", null, publish(bundle, "current", "<bundle xmlns='" + ax + "'><signedPreKeyPublic signedPreKeyId='1'>"
                    + "BQ==</signedPreKeyPublic><signedPreKeySignature>AA==</signedPreKeySignature><identityKey>BQ==</identityKey>"
                    + "<prekeys><preKeyPublic preKeyId='1'>BQ==</preKeyPublic></prekeys></bundle>",
                    field("pubsub#access_model", "open")));
            XmlElement list = carol.ok("get", "bob@" + D, items(devicelist, "/>"));
            assertThat(list.child(PS, "pubsub").child(PS, "items").child(PS, "item").child(ax, "list")
                    .child(ax, "device").attr("id")).isEqualTo("4223");
            XmlElement b = carol.ok("get", "bob@" + D, items(bundle, " max_items='1'/>"));
            assertThat(b.child(PS, "pubsub").child(PS, "items").child(PS, "item").child(ax, "bundle")).isNotNull();
        }
    }

    @Test
    void avatarsAndVCardsFollowEachOther() throws Exception {
        byte[] png = "\u0089PNG pretend image".getBytes(StandardCharsets.ISO_8859_1);
        String sha1 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(png));
        String b64 = Base64.getEncoder().encodeToString(png);
        try (Peer alice = online("alice", "avatar"); Peer bob = online("bob", "avatar")) {
            alice.ok("set", null, publish("urn:xmpp:avatar:data", sha1, "<data xmlns='urn:xmpp:avatar:data'>" + b64 + "</data>",
                    null));
            alice.ok("set", null, publish("urn:xmpp:avatar:metadata", sha1, "<metadata xmlns='urn:xmpp:avatar:metadata'>"
                    + "<info bytes='" + png.length + "' id='" + sha1 + "' type='image/png' width='1' height='1'/></metadata>",
                    null));
            XmlElement vcard = bob.ok("get", "alice@" + D, "<vCard xmlns='vcard-temp'/>").child("vcard-temp", "vCard");
            assertThat(vcard.child("vcard-temp", "PHOTO").childText("vcard-temp", "BINVAL")).isEqualTo(b64);
            assertThat(vcard.child("vcard-temp", "PHOTO").childText("vcard-temp", "TYPE")).isEqualTo("image/png");
            // XEP-0398: the presence alice sends carries the hash, whatever her client put there.
            alice.c.send("<presence><x xmlns='vcard-temp:x:update'/></presence>");
            XmlElement p = bob.await(e -> e.is(Ns.CLIENT, "presence") && ("alice@" + D + "/avatar").equals(e.attr("from"))
                    && e.child("vcard-temp:x:update", "x") != null);
            assertThat(p.child("vcard-temp:x:update", "x").childText("vcard-temp:x:update", "photo")).isEqualTo(sha1);

            // XEP-0153 the other way: a vCard with a PHOTO becomes the PEP avatar.
            byte[] jpeg = "pretend jpeg".getBytes(StandardCharsets.US_ASCII);
            String jpegSha1 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(jpeg));
            bob.ok("set", null, "<vCard xmlns='vcard-temp'><FN>Bob</FN><PHOTO><TYPE>image/jpeg</TYPE><BINVAL>"
                    + Base64.getEncoder().encodeToString(jpeg) + "</BINVAL></PHOTO></vCard>");
            XmlElement meta = alice.ok("get", "bob@" + D, items("urn:xmpp:avatar:metadata", "/>"));
            XmlElement info = meta.child(PS, "pubsub").child(PS, "items").child(PS, "item")
                    .child("urn:xmpp:avatar:metadata", "metadata").child("urn:xmpp:avatar:metadata", "info");
            assertThat(info.attr("id")).isEqualTo(jpegSha1);
            assertThat(info.attr("type")).isEqualTo("image/jpeg");
            assertThat(info.attr("bytes")).isEqualTo(Integer.toString(jpeg.length));
            XmlElement data = alice.ok("get", "bob@" + D, items("urn:xmpp:avatar:data", "><item id='" + jpegSha1 + "'/></items>"));
            assertThat(data.child(PS, "pubsub").child(PS, "items").child(PS, "item").child("urn:xmpp:avatar:data", "data")
                    .text()).isEqualTo(Base64.getEncoder().encodeToString(jpeg));
        }
    }

    @Test
    void bookmarksStayInStepBetweenXep0402AndXep0048() throws Exception {
        String b1 = "urn:xmpp:bookmarks:1";
        try (Peer frank = online("frank", "bookmarks", b1)) {
            // XEP-0402 publish → private XML (XEP-0049) and the legacy PEP node.
            frank.ok("set", null, publish(b1, "room@muc." + D, "<conference xmlns='" + b1 + "' name='The Room' autojoin='true'>"
                    + "<nick>franky</nick></conference>", field("pubsub#persist_items", "true")
                    + field("pubsub#max_items", "max") + field("pubsub#send_last_published_item", "never")
                    + field("pubsub#access_model", "whitelist")));
            XmlElement priv = frank.ok("get", null, "<query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'/></query>");
            XmlElement conf = priv.child("jabber:iq:private", "query").child("storage:bookmarks", "storage")
                    .child("storage:bookmarks", "conference");
            assertThat(conf.attr("jid")).isEqualTo("room@muc." + D);
            assertThat(conf.attr("name")).isEqualTo("The Room");
            assertThat(conf.attr("autojoin")).isEqualTo("true");
            assertThat(conf.childText("storage:bookmarks", "nick")).isEqualTo("franky");
            XmlElement legacyPep = frank.ok("get", null, items("storage:bookmarks", "/>"));
            assertThat(legacyPep.child(PS, "pubsub").child(PS, "items").child(PS, "item").child("storage:bookmarks", "storage")
                    .child("storage:bookmarks", "conference").attr("jid")).isEqualTo("room@muc." + D);

            // XEP-0048 private XML write → XEP-0402 node: a new room, the old one gone (retracted with notification).
            frank.ok("set", null, "<query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'>"
                    + "<conference jid='other@muc." + D + "' autojoin='1' name='Other'><nick>f</nick></conference>"
                    + "<url name='site' url='https://example.test/'/></storage></query>");
            XmlElement now = frank.ok("get", null, items(b1, "/>"));
            assertThat(itemIds(now)).containsExactly("other@muc." + D);
            XmlElement c = now.child(PS, "pubsub").child(PS, "items").child(PS, "item").child(b1, "conference");
            assertThat(c.attr("name")).isEqualTo("Other");
            assertThat(c.attr("autojoin")).isEqualTo("true");
            assertThat(c.childText(b1, "nick")).isEqualTo("f");
            frank.await(e -> e.is(Ns.CLIENT, "message") && b1.equals(eventNode(e))
                    && e.child(EVENT, "event").child(EVENT, "items").child(EVENT, "retract") != null);

            // XEP-0402 retract → legacy copies lose the room, URL bookmarks stay.
            frank.ok("set", null, "<pubsub xmlns='" + PS + "'><retract node='" + b1 + "' notify='true'>"
                    + "<item id='other@muc." + D + "'/></retract></pubsub>");
            XmlElement after = frank.ok("get", null, "<query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'/></query>")
                    .child("jabber:iq:private", "query").child("storage:bookmarks", "storage");
            assertThat(after.elements("storage:bookmarks", "conference")).isEmpty();
            assertThat(after.elements("storage:bookmarks", "url")).hasSize(1);

            // A legacy PEP publish (storage:bookmarks) → XEP-0402 and private XML.
            frank.ok("set", null, publish("storage:bookmarks", "current", "<storage xmlns='storage:bookmarks'>"
                    + "<conference jid='pep@muc." + D + "' autojoin='false'/></storage>", null));
            assertThat(itemIds(frank.ok("get", null, items(b1, "/>")))).containsExactly("pep@muc." + D);
            XmlElement priv2 = frank.ok("get", null, "<query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'/></query>")
                    .child("jabber:iq:private", "query").child("storage:bookmarks", "storage");
            assertThat(priv2.child("storage:bookmarks", "conference").attr("jid")).isEqualTo("pep@muc." + D);
        }
    }
}
