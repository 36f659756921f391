package io.switchboard.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.jid.Jid;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link PubSubStore} must have (the in-memory one here, PostgreSQL in the
 * storage module). Tests use fresh JIDs so that one database can serve them all.
 */
public abstract class PubSubStoreContract {

    protected abstract PubSubStore store();

    /** An account the store may hold nodes for (implementations with foreign keys create it). */
    protected Jid freshOwner() {
        return Jid.of("p" + UUID.randomUUID().toString().replace("-", "").substring(0, 16) + "@contract.test");
    }

    private static final Instant T = Instant.parse("2026-01-02T03:04:05Z");

    private static PubSubItem item(String id, int second) {
        return new PubSubItem(id, Jid.of("owner@contract.test/r"), T.plusSeconds(second), "<p xmlns='urn:test'>" + id + "</p>");
    }

    private static List<String> ids(List<PubSubItem> items) {
        return items.stream().map(PubSubItem::id).toList();
    }

    @Test
    void nodesAreCreatedReconfiguredListedAndDeleted() {
        Jid o = freshOwner();
        assertThat(store().node(o, "n")).isEmpty();
        PubSubNode n = PubSubNode.defaults(o, "n", T);
        store().putNode(n);
        assertThat(store().node(o, "n")).contains(n);
        PubSubNode changed = new PubSubNode(o, "n", PubSubNode.AccessModel.ROSTER, false, PubSubNode.MAX,
                PubSubNode.SendLast.NEVER, false, "Title", List.of("Family", "Work"), T);
        store().putNode(changed);
        store().putNode(PubSubNode.defaults(o, "a", T));
        assertThat(store().node(o, "n")).contains(changed);
        assertThat(store().nodes(o)).extracting(PubSubNode::node).containsExactly("a", "n");
        assertThat(store().deleteNode(o, "n")).isTrue();
        assertThat(store().deleteNode(o, "n")).isFalse();
        assertThat(store().nodes(o)).extracting(PubSubNode::node).containsExactly("a");
    }

    @Test
    void itemsAreKeptNewestFirstWithinMaxItems() {
        Jid o = freshOwner();
        store().putNode(PubSubNode.defaults(o, "n", T));
        assertThat(store().publish(o, "n", item("1", 1), 3)).isEmpty();
        store().publish(o, "n", item("2", 2), 3);
        store().publish(o, "n", item("3", 3), 3);
        assertThat(store().publish(o, "n", item("4", 4), 3)).containsExactly("1");
        assertThat(ids(store().items(o, "n", 10))).containsExactly("4", "3", "2");
        assertThat(ids(store().items(o, "n", 1))).containsExactly("4");
        // Republishing an id replaces it and makes it the newest.
        store().publish(o, "n", new PubSubItem("2", null, T.plusSeconds(5), "<p xmlns='urn:test'>2b</p>"), 3);
        assertThat(ids(store().items(o, "n", 10))).containsExactly("2", "4", "3");
        PubSubItem two = store().item(o, "n", "2").orElseThrow();
        assertThat(two.payload()).isEqualTo("<p xmlns='urn:test'>2b</p>");
        assertThat(two.published().truncatedTo(ChronoUnit.MILLIS)).isEqualTo(T.plusSeconds(5));
        PubSubNode one = new PubSubNode(o, "n", PubSubNode.AccessModel.OPEN, true, 1, PubSubNode.SendLast.ON_SUB, true,
                null, List.of(), T);
        assertThat(store().configure(one, 1)).containsExactlyInAnyOrder("3", "4");
        assertThat(ids(store().items(o, "n", 10))).containsExactly("2");
        assertThat(store().node(o, "n")).contains(one);
    }

    @Test
    void aPublishCreatesItsNodeWithTheFirstItem() {
        Jid o = freshOwner();
        PubSubNode n = PubSubNode.defaults(o, "n", T);
        assertThat(store().createAndPublish(n, item("1", 1), 1)).isEmpty();
        assertThat(store().node(o, "n")).contains(n);
        assertThat(ids(store().items(o, "n", 10))).containsExactly("1");
        // On an existing node: the configuration is replaced, the items stay within maxItems.
        PubSubNode open = new PubSubNode(o, "n", PubSubNode.AccessModel.OPEN, true, 2, PubSubNode.SendLast.ON_SUB, true,
                "t", List.of(), T);
        store().createAndPublish(open, item("2", 2), 2);
        assertThat(store().createAndPublish(open, item("3", 3), 2)).containsExactly("1");
        assertThat(store().node(o, "n")).contains(open);
        assertThat(ids(store().items(o, "n", 10))).containsExactly("3", "2");
    }

    @Test
    void configuringAMissingNodeCreatesNothing() {
        Jid o = freshOwner();
        assertThat(store().configure(PubSubNode.defaults(o, "gone", T), 1)).isEmpty();
        assertThat(store().node(o, "gone")).isEmpty();
    }

    @Test
    void severalItemsAreRetractedAtOnce() {
        Jid o = freshOwner();
        store().putNode(PubSubNode.defaults(o, "n", T));
        for (int i = 1; i <= 4; i++) {
            store().publish(o, "n", item(Integer.toString(i), i), 10);
        }
        // In the order asked; unknown and repeated ids are ignored.
        assertThat(store().retract(o, "n", List.of("3", "x", "1", "3"))).containsExactly("3", "1");
        assertThat(ids(store().items(o, "n", 10))).containsExactly("4", "2");
        assertThat(store().retract(o, "n", List.of("1"))).isEmpty();
        assertThat(store().retract(o, "missing", List.of("2"))).isEmpty();
    }

    @Test
    void retractPurgeAndAccountDeletion() {
        Jid o = freshOwner();
        store().putNode(PubSubNode.defaults(o, "n", T));
        store().putNode(PubSubNode.defaults(o, "m", T));
        store().publish(o, "n", item("1", 1), 10);
        store().publish(o, "n", item("2", 2), 10);
        store().publish(o, "m", item("x", 1), 10);
        assertThat(store().retract(o, "n", List.of("1"))).containsExactly("1");
        assertThat(store().retract(o, "n", List.of("1"))).isEmpty();
        assertThat(store().item(o, "n", "1")).isEmpty();
        assertThat(store().purge(o, "n")).isEqualTo(1);
        assertThat(store().items(o, "n", 10)).isEmpty();
        assertThat(store().node(o, "n")).isPresent();
        // Deleting a node takes its items with it.
        store().deleteNode(o, "m");
        store().putNode(PubSubNode.defaults(o, "m", T));
        assertThat(store().items(o, "m", 10)).isEmpty();
        store().deleteAll(o);
        assertThat(store().nodes(o)).isEmpty();
        // Nodes of different owners are separate.
        Jid other = freshOwner();
        store().putNode(PubSubNode.defaults(other, "n", T));
        assertThat(store().node(o, "n")).isEmpty();
    }
}
