package io.switchboard.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.ext.pubsub.PepModule;
import io.switchboard.jid.Jid;
import io.switchboard.store.PubSubItem;
import io.switchboard.store.PubSubNode;
import io.switchboard.store.PubSubStore;
import io.switchboard.store.RosterItem;
import io.switchboard.store.Subscription;
import io.switchboard.store.memory.InMemoryStorage;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.TestServer;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The XEP-0398 hash on broadcast presence follows the account's avatar metadata (publish, republish, retract, purge,
 * delete, a disabled avatar) and is read from the store once per change, not once per presence: the PEP store is the
 * in-memory one behind a wrapper that counts reads of the metadata node.
 */
class AvatarHashIT {

    static final String D = TestServer.DOMAIN;
    static final String PS = "http://jabber.org/protocol/pubsub";
    static final String META = "urn:xmpp:avatar:metadata";
    static final String DATA = "urn:xmpp:avatar:data";
    static final String UPDATE = "vcard-temp:x:update";
    static TestServer server;
    static PepModule pep;
    static CountingStore store;
    static int ids;
    static int statuses;

    /** A real store (the in-memory one) that counts the reads of {@code urn:xmpp:avatar:metadata} items. */
    static final class CountingStore implements PubSubStore {
        final PubSubStore d;
        final AtomicInteger metadataReads = new AtomicInteger();

        CountingStore(PubSubStore d) {
            this.d = d;
        }

        @Override
        public Optional<PubSubNode> node(Jid owner, String node) {
            return d.node(owner, node);
        }

        @Override
        public List<PubSubNode> nodes(Jid owner) {
            return d.nodes(owner);
        }

        @Override
        public void putNode(PubSubNode node) {
            d.putNode(node);
        }

        @Override
        public boolean deleteNode(Jid owner, String node) {
            return d.deleteNode(owner, node);
        }

        @Override
        public List<String> publish(Jid owner, String node, PubSubItem item, int maxItems) {
            return d.publish(owner, node, item, maxItems);
        }

        @Override
        public List<PubSubItem> items(Jid owner, String node, int max) {
            if (node.equals(META)) {
                metadataReads.incrementAndGet();
            }
            return d.items(owner, node, max);
        }

        @Override
        public Optional<PubSubItem> item(Jid owner, String node, String id) {
            if (node.equals(META)) {
                metadataReads.incrementAndGet();
            }
            return d.item(owner, node, id);
        }

        @Override
        public List<String> createAndPublish(PubSubNode node, PubSubItem item, int maxItems) {
            return d.createAndPublish(node, item, maxItems);
        }

        @Override
        public List<String> retract(Jid owner, String node, List<String> ids) {
            return d.retract(owner, node, ids);
        }

        @Override
        public int purge(Jid owner, String node) {
            return d.purge(owner, node);
        }

        @Override
        public List<String> configure(PubSubNode node, int maxItems) {
            return d.configure(node, maxItems);
        }

        @Override
        public void deleteAll(Jid owner) {
            d.deleteAll(owner);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        InMemoryStorage storage = new InMemoryStorage();
        store = new CountingStore(storage.pubsub());
        pep = new PepModule(store);
        server = TestServer.start(Map.of(), c -> storage, List.of(pep));
        for (String u : new String[]{"alice", "bob"}) {
            server.addUser(u, u + "-pw");
        }
        var rosters = server.server().context().rosters();
        Jid alice = Jid.of("alice@" + D);
        Jid bob = Jid.of("bob@" + D);
        rosters.update(alice, bob, i -> RosterItem.of(bob).withState(Subscription.BOTH, false, false, false));
        rosters.update(bob, alice, i -> RosterItem.of(alice).withState(Subscription.BOTH, false, false, false));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static RawClient login(String user) throws Exception {
        RawClient c = RawClient.connect(server.c2sPort()).loginAndBind(server.clientSslContext(), D, user, user + "-pw",
                "r");
        c.send("<presence/>");
        return c;
    }

    /** alice sends a presence with a fresh status; bob's copy of it. */
    static XmlElement presence(RawClient alice, RawClient bob) throws Exception {
        String status = "s" + (++statuses);
        alice.send("<presence><status>" + status + "</status></presence>");
        while (true) {
            XmlElement p = bob.element(Ns.CLIENT, "presence");
            if (("alice@" + D + "/r").equals(p.attr("from")) && status.equals(p.childText(Ns.CLIENT, "status"))) {
                return p;
            }
        }
    }

    /** The hash the presence carries: null without {@code <x xmlns='vcard-temp:x:update'/>}, "" for an empty photo. */
    static String hash(XmlElement presence) {
        XmlElement x = presence.child(UPDATE, "x");
        if (x == null) {
            return null;
        }
        String photo = x.childText(UPDATE, "photo");
        return photo == null ? null : photo.trim();
    }

    static XmlElement iq(RawClient c, String type, String payload) throws Exception {
        String id = "a" + (++ids);
        c.send("<iq type='" + type + "' id='" + id + "'>" + payload + "</iq>");
        while (true) {
            XmlElement e = c.element(Ns.CLIENT, "iq");
            if (id.equals(e.attr("id"))) {
                assertThat(e.attr("type")).as(e.toString()).isEqualTo("result");
                return e;
            }
        }
    }

    static void publishAvatar(RawClient c, String id) throws Exception {
        iq(c, "set", "<pubsub xmlns='" + PS + "'><publish node='" + DATA + "'><item id='" + id + "'><data xmlns='" + DATA
                + "'>aW1hZ2U=</data></item></publish></pubsub>");
        iq(c, "set", "<pubsub xmlns='" + PS + "'><publish node='" + META + "'><item id='" + id + "'><metadata xmlns='"
                + META + "'><info bytes='5' id='" + id + "' type='image/png'/></metadata></item></publish></pubsub>");
    }

    @Test
    void thePresenceHashFollowsTheMetadataAndIsNotReadPerPresence() throws Exception {
        try (RawClient bob = login("bob")) {
            RawClient alice = login("alice");
            try {
                metadataFollowed(alice, bob);
                // Both accounts sent presence: both are cached.
                assertThat(pep.cachedAvatarHashes()).isEqualTo(2);
            } finally {
                alice.close();
            }
            // alice's entry goes with her session, which is unbound before its unavailable presence is broadcast.
            XmlElement gone;
            do {
                gone = bob.element(Ns.CLIENT, "presence");
            } while (!"unavailable".equals(gone.attr("type")));
            assertThat(pep.cachedAvatarHashes()).isEqualTo(1);
        }
    }

    private static void metadataFollowed(RawClient alice, RawClient bob) throws Exception {
        {
            assertThat(hash(presence(alice, bob))).isNull();

            publishAvatar(alice, "1111111111111111111111111111111111111111");
            assertThat(hash(presence(alice, bob))).isEqualTo("1111111111111111111111111111111111111111");
            int reads = store.metadataReads.get();
            for (int i = 0; i < 50; i++) {
                assertThat(hash(presence(alice, bob))).isEqualTo("1111111111111111111111111111111111111111");
            }
            assertThat(store.metadataReads.get()).as("metadata reads for 50 presences").isEqualTo(reads);

            // A new avatar: the next presence has its hash (the node keeps one item, so the old one is gone).
            publishAvatar(alice, "2222222222222222222222222222222222222222");
            assertThat(hash(presence(alice, bob))).isEqualTo("2222222222222222222222222222222222222222");
            assertThat(hash(presence(alice, bob))).isEqualTo("2222222222222222222222222222222222222222");

            // Retracted: no avatar any more, the client's presence goes out as it was sent.
            iq(alice, "set", "<pubsub xmlns='" + PS + "'><retract node='" + META + "' notify='true'><item id='"
                    + "2222222222222222222222222222222222222222'/></retract></pubsub>");
            assertThat(hash(presence(alice, bob))).isNull();

            // Disabled (empty metadata, XEP-0084 §4.5): an empty photo.
            iq(alice, "set", "<pubsub xmlns='" + PS + "'><publish node='" + META + "'><item id='current'><metadata xmlns='"
                    + META + "'/></item></publish></pubsub>");
            assertThat(hash(presence(alice, bob))).isEmpty();

            // Purged.
            publishAvatar(alice, "3333333333333333333333333333333333333333");
            assertThat(hash(presence(alice, bob))).isEqualTo("3333333333333333333333333333333333333333");
            iq(alice, "set", "<pubsub xmlns='" + PS + "#owner'><purge node='" + META + "'/></pubsub>");
            assertThat(hash(presence(alice, bob))).isNull();

            // Node deleted.
            publishAvatar(alice, "4444444444444444444444444444444444444444");
            assertThat(hash(presence(alice, bob))).isEqualTo("4444444444444444444444444444444444444444");
            iq(alice, "set", "<pubsub xmlns='" + PS + "#owner'><delete node='" + META + "'/></pubsub>");
            assertThat(hash(presence(alice, bob))).isNull();

            // Each change cost one read at the next presence; the presences in between cost none.
            int before = store.metadataReads.get();
            for (int i = 0; i < 20; i++) {
                assertThat(hash(presence(alice, bob))).isNull();
            }
            assertThat(store.metadataReads.get()).isEqualTo(before);
        }
    }
}
