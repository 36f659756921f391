package io.switchboard.muc;

import static io.switchboard.muc.MucIT.D;
import static io.switchboard.muc.MucIT.MUC;
import static io.switchboard.muc.MucIT.S;
import static io.switchboard.muc.MucIT.codes;
import static io.switchboard.muc.MucIT.create;
import static io.switchboard.muc.MucIT.iq;
import static io.switchboard.muc.MucIT.presence;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.cluster.NodeId;
import io.switchboard.jid.Jid;
import io.switchboard.stanza.Stanza;
import io.switchboard.store.MucRoomRecord;
import io.switchboard.store.memory.InMemoryMucRoomStore;
import io.switchboard.store.memory.InMemoryStorage;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.TestServer;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import io.switchboard.xml.XmlFragments;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Room placement through {@code KeyOwnership}: rooms whose local part starts with "far" belong to
 * another cluster node. A single node cannot reach it (its messenger has no other node), so the
 * sender is told; a stanza another node forwards is served when this node owns the room and
 * refused, not forwarded again, when it does not.
 */
class MucPlacementIT {

    static final NodeId FAR = new NodeId("node-far");

    static MucModule module(InMemoryMucRoomStore store) {
        return new MucModule(store).withOwnership(cluster -> key -> key.startsWith("far") ? FAR : cluster.ownerOf(key));
    }

    static XmlElement errorOf(XmlElement stanza) {
        return stanza.child(Ns.CLIENT, "error");
    }

    @Test
    void aRoomOwnedByAnotherNodeIsNotServedHere() throws Exception {
        MucModule muc = module(new InMemoryMucRoomStore());
        try (TestServer server = TestServer.start(Map.of(), c -> new InMemoryStorage(), List.of(muc))) {
            server.addUser("alice", "alice-pw");
            try (RawClient alice = MucIT.login(server, "alice", "r")) {
                assertThat(muc.service().isLocal(Jid.of("far@" + S))).isFalse();
                assertThat(muc.service().isLocal(Jid.of("near@" + S))).isTrue();

                alice.send("<presence to='far@" + S + "/A'><x xmlns='" + MUC + "'/></presence>");
                XmlElement refused = presence(alice);
                assertThat(refused.attr("type")).isEqualTo("error");
                assertThat(errorOf(refused).attr("type")).isEqualTo("wait");
                assertThat(MucIT.error(refused)).isEqualTo("remote-server-timeout");
                alice.send("<iq type='get' id='di' to='far@" + S + "'><query xmlns='" + Ns.DISCO_INFO + "'/></iq>");
                assertThat(MucIT.error(iq(alice, "di"))).isEqualTo("remote-server-timeout");
                assertThat(muc.roomCount()).as("the room was not created here").isZero();

                // Rooms this node owns work as ever.
                create(alice, "near", "A", "");
                assertThat(muc.roomCount()).isEqualTo(1);
            }
        }
    }

    @Test
    void aForwardedStanzaIsServedByTheOwnerAndNeverForwardedAgain() throws Exception {
        MucModule muc = module(new InMemoryMucRoomStore());
        try (TestServer server = TestServer.start(Map.of(), c -> new InMemoryStorage(), List.of(muc))) {
            server.addUser("alice", "alice-pw");
            try (RawClient alice = MucIT.login(server, "alice", "r")) {
                // As the router hands over what another node's service forwarded (Component.fromNode).
                muc.service().fromNode(FAR, Stanza.of(XmlFragments.parse("<presence xmlns='jabber:client' from='alice@"
                        + D + "/r' to='here@" + S + "/A'><x xmlns='" + MUC + "'/></presence>")));
                XmlElement self = presence(alice);
                assertThat(self.attr("from")).isEqualTo("here@" + S + "/A");
                assertThat(codes(self)).contains(110, 201);

                muc.service().fromNode(FAR, Stanza.of(XmlFragments.parse("<presence xmlns='jabber:client' from='alice@"
                        + D + "/r' to='far-away@" + S + "/A'><x xmlns='" + MUC + "'/></presence>")));
                XmlElement refused = presence(alice);
                assertThat(refused.attr("from")).isEqualTo("far-away@" + S + "/A");
                assertThat(MucIT.error(refused)).isEqualTo("resource-constraint");
                assertThat(muc.roomCount()).isEqualTo(1);
            }
        }
    }

    @Test
    void persistentRoomsOwnedElsewhereAreNotLoaded() throws Exception {
        InMemoryMucRoomStore store = new InMemoryMucRoomStore();
        Jid owner = Jid.of("alice@" + D);
        for (String room : List.of("far-kept", "near-kept")) {
            store.save(new MucRoomRecord(Jid.of(room + "@" + S), Map.of("persistentroom", "1"), Map.of(owner, "owner"),
                    null, null, Instant.now()));
        }
        MucModule muc = module(store);
        try (TestServer server = TestServer.start(Map.of(), c -> new InMemoryStorage(), List.of(muc))) {
            assertThat(muc.roomCount()).isEqualTo(1);
            server.addUser("alice", "alice-pw");
            try (RawClient alice = MucIT.login(server, "alice", "r")) {
                alice.send("<iq type='get' id='items' to='" + S + "'><query xmlns='" + Ns.DISCO_ITEMS + "'/></iq>");
                assertThat(iq(alice, "items").child(Ns.DISCO_ITEMS, "query").elements(Ns.DISCO_ITEMS, "item"))
                        .extracting(i -> i.attr("jid")).containsExactly("near-kept@" + S);
            }
        }
    }
}
