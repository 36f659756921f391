package io.switchboard.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.ext.pubsub.PepModule;
import io.switchboard.jid.Jid;
import io.switchboard.store.PubSubNode;
import io.switchboard.store.RosterItem;
import io.switchboard.store.Subscription;
import io.switchboard.store.memory.InMemoryStorage;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.TestServer;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/**
 * A contact's disco#items on an account without a session here lists the nodes the contact may see,
 * reading the owner's roster once for the request, not once per node.
 */
class PepDiscoItemsIT {

    static final String D = TestServer.DOMAIN;

    @Test
    void aContactListsTheNodesOfAnOfflineOwnerWithOneRosterRead() throws Exception {
        Queue<OnlineMessagePathIT.StoreCall> calls = new ConcurrentLinkedQueue<>();
        PepModule pep = new PepModule();
        try (TestServer server = TestServer.start(Map.of(), c -> OnlineMessagePathIT.recording(new InMemoryStorage(), calls),
                List.of(pep))) {
            server.addUser("alice", "alice-pw");
            server.addUser("bob", "bob-pw");
            Jid alice = Jid.of("alice@" + D);
            Jid bob = Jid.of("bob@" + D);
            var rosters = server.server().context().rosters();
            rosters.update(alice, bob, i -> RosterItem.of(bob).withGroups(List.of("Friends"))
                    .withState(Subscription.BOTH, false, false, false));
            Instant t = Instant.now();
            pep.store().putNode(PubSubNode.defaults(alice, "urn:test:presence-1", t));
            pep.store().putNode(PubSubNode.defaults(alice, "urn:test:presence-2", t));
            pep.store().putNode(new PubSubNode(alice, "urn:test:friends", PubSubNode.AccessModel.ROSTER, true, 1,
                    PubSubNode.SendLast.NEVER, true, null, List.of("Friends"), t));
            pep.store().putNode(new PubSubNode(alice, "urn:test:family", PubSubNode.AccessModel.ROSTER, true, 1,
                    PubSubNode.SendLast.NEVER, true, null, List.of("Family"), t));
            pep.store().putNode(new PubSubNode(alice, "urn:test:open", PubSubNode.AccessModel.OPEN, true, 1,
                    PubSubNode.SendLast.NEVER, true, null, List.of(), t));
            pep.store().putNode(new PubSubNode(alice, "urn:test:private", PubSubNode.AccessModel.WHITELIST, true, 1,
                    PubSubNode.SendLast.NEVER, true, null, List.of(), t));
            try (RawClient b = RawClient.connect(server.c2sPort())
                    .loginAndBind(server.clientSslContext(), D, "bob", "bob-pw", "r")) {
                assertThat(server.server().context().sessions().isOnline(alice)).isFalse();
                calls.clear();
                b.send("<iq type='get' id='items' to='alice@" + D + "'><query xmlns='" + Ns.DISCO_ITEMS + "'/></iq>");
                XmlElement answer = b.element(Ns.CLIENT, "iq");
                assertThat(answer.attr("type")).isEqualTo("result");
                List<String> nodes = new ArrayList<>();
                for (XmlElement i : answer.child(Ns.DISCO_ITEMS, "query").elements(Ns.DISCO_ITEMS, "item")) {
                    nodes.add(i.attr("node"));
                }
                assertThat(nodes).containsExactlyInAnyOrder("urn:test:presence-1", "urn:test:presence-2",
                        "urn:test:friends", "urn:test:open");
                assertThat(new ArrayList<>(calls)).filteredOn(c -> c.method().startsWith("RosterStore."))
                        .extracting(OnlineMessagePathIT.StoreCall::method).containsExactly("RosterStore.load");
            }
        }
    }
}
