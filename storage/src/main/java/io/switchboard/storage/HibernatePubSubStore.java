package io.switchboard.storage;

import io.switchboard.jid.Jid;
import io.switchboard.store.PubSubItem;
import io.switchboard.store.PubSubNode;
import io.switchboard.store.PubSubStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * PEP nodes in {@code pubsub_node} and their items in {@code pubsub_item} (schema V3), through the
 * Hibernate session's connection. A node for a missing account is not stored.
 */
final class HibernatePubSubStore implements PubSubStore {

    private static final String NODE_COLUMNS = "node, access_model, persist_items, max_items, send_last, notify_retract,"
            + " title, roster_groups, created";
    private static final String ITEM_COLUMNS = "id, publisher, published, payload";

    private final Database db;

    HibernatePubSubStore(Database db) {
        this.db = db;
    }

    private static PubSubNode node(Jid owner, ResultSet rs) throws SQLException {
        return new PubSubNode(owner, rs.getString(1), PubSubNode.AccessModel.parse(rs.getString(2)), rs.getBoolean(3),
                rs.getInt(4), PubSubNode.SendLast.parse(rs.getString(5)), rs.getBoolean(6), rs.getString(7),
                Arrays.asList((String[]) rs.getArray(8).getArray()), rs.getTimestamp(9).toInstant());
    }

    private static PubSubItem item(ResultSet rs) throws SQLException {
        String publisher = rs.getString(2);
        return new PubSubItem(rs.getString(1), publisher == null ? null : Jid.of(publisher), rs.getTimestamp(3).toInstant(),
                rs.getString(4));
    }

    @Override
    public Optional<PubSubNode> node(Jid owner, String node) {
        return db.tx("reading PEP node " + node + " of " + owner, s -> s.doReturningWork(c -> {
            try (PreparedStatement ps = c.prepareStatement("select " + NODE_COLUMNS
                    + " from pubsub_node where owner = ? and node = ?")) {
                ps.setString(1, owner.bare().toString());
                ps.setString(2, node);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(node(owner.bare(), rs)) : Optional.<PubSubNode>empty();
                }
            }
        }));
    }

    @Override
    public List<PubSubNode> nodes(Jid owner) {
        return db.tx("reading the PEP nodes of " + owner, s -> s.doReturningWork(c -> {
            try (PreparedStatement ps = c.prepareStatement("select " + NODE_COLUMNS
                    + " from pubsub_node where owner = ? order by node")) {
                ps.setString(1, owner.bare().toString());
                List<PubSubNode> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(node(owner.bare(), rs));
                    }
                }
                return List.copyOf(out);
            }
        }));
    }

    @Override
    public void putNode(PubSubNode n) {
        db.tx("storing PEP node " + n.node() + " of " + n.owner(), s -> {
            s.doWork(c -> putNode(c, n));
            return null;
        });
    }

    /** Inserts the node, or replaces the configuration of the existing one; nothing when the account is missing. */
    private static void putNode(Connection c, PubSubNode n) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into pubsub_node (owner, " + NODE_COLUMNS + ")"
                + " select jid, ?, ?, ?, ?, ?, ?, ?, ?, ? from user_account where jid = ?"
                + " on conflict (owner, node) do update set access_model = excluded.access_model,"
                + " persist_items = excluded.persist_items, max_items = excluded.max_items,"
                + " send_last = excluded.send_last, notify_retract = excluded.notify_retract,"
                + " title = excluded.title, roster_groups = excluded.roster_groups")) {
            ps.setString(1, n.node());
            ps.setString(2, n.accessModel().wire());
            ps.setBoolean(3, n.persistItems());
            ps.setInt(4, n.maxItems());
            ps.setString(5, n.sendLast().wire());
            ps.setBoolean(6, n.notifyRetract());
            ps.setString(7, n.title());
            ps.setArray(8, c.createArrayOf("text", n.rosterGroups().toArray()));
            ps.setTimestamp(9, Timestamp.from(n.created()));
            ps.setString(10, n.owner().bare().toString());
            ps.executeUpdate();
        }
    }

    @Override
    public boolean deleteNode(Jid owner, String node) {
        return db.tx("deleting PEP node " + node + " of " + owner, s -> s.createNativeMutationQuery(
                        "delete from pubsub_node where owner = :owner and node = :node")
                .setParameter("owner", owner.bare().toString()).setParameter("node", node).executeUpdate() > 0);
    }

    @Override
    public List<String> publish(Jid owner, String node, PubSubItem item, int maxItems) {
        return db.tx("publishing to PEP node " + node + " of " + owner, s -> s.doReturningWork(c -> {
            putItem(c, owner, node, item);
            return trim(c, owner, node, maxItems);
        }));
    }

    @Override
    public List<String> createAndPublish(PubSubNode n, PubSubItem item, int maxItems) {
        return db.tx("creating and publishing to PEP node " + n.node() + " of " + n.owner(), s -> s.doReturningWork(c -> {
            putNode(c, n);
            putItem(c, n.owner(), n.node(), item);
            return trim(c, n.owner(), n.node(), maxItems);
        }));
    }

    /** Stores the item as the newest of its node, replacing the one with the same id. */
    private static void putItem(Connection c, Jid owner, String node, PubSubItem item) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into pubsub_item (owner, node, " + ITEM_COLUMNS
                + ", seq) values (?, ?, ?, ?, ?, ?, nextval('pubsub_item_seq')) on conflict (owner, node, id) do update"
                + " set publisher = excluded.publisher, published = excluded.published, payload = excluded.payload,"
                + " seq = excluded.seq")) {
            ps.setString(1, owner.bare().toString());
            ps.setString(2, node);
            ps.setString(3, item.id());
            ps.setString(4, item.publisher() == null ? null : item.publisher().toString());
            ps.setTimestamp(5, Timestamp.from(item.published()));
            ps.setString(6, item.payload());
            ps.executeUpdate();
        }
    }

    private static List<String> trim(Connection c, Jid owner, String node, int maxItems) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("delete from pubsub_item where owner = ? and node = ? and id in"
                + " (select id from pubsub_item where owner = ? and node = ? order by seq desc offset ?) returning id")) {
            ps.setString(1, owner.bare().toString());
            ps.setString(2, node);
            ps.setString(3, owner.bare().toString());
            ps.setString(4, node);
            ps.setInt(5, maxItems);
            List<String> removed = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    removed.add(rs.getString(1));
                }
            }
            return List.copyOf(removed);
        }
    }

    @Override
    public List<PubSubItem> items(Jid owner, String node, int max) {
        return db.tx("reading items of PEP node " + node + " of " + owner, s -> s.doReturningWork(c -> {
            try (PreparedStatement ps = c.prepareStatement("select " + ITEM_COLUMNS
                    + " from pubsub_item where owner = ? and node = ? order by seq desc limit ?")) {
                ps.setString(1, owner.bare().toString());
                ps.setString(2, node);
                ps.setInt(3, max);
                List<PubSubItem> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(item(rs));
                    }
                }
                return List.copyOf(out);
            }
        }));
    }

    @Override
    public Optional<PubSubItem> item(Jid owner, String node, String id) {
        return db.tx("reading an item of PEP node " + node + " of " + owner, s -> s.doReturningWork(c -> {
            try (PreparedStatement ps = c.prepareStatement("select " + ITEM_COLUMNS
                    + " from pubsub_item where owner = ? and node = ? and id = ?")) {
                ps.setString(1, owner.bare().toString());
                ps.setString(2, node);
                ps.setString(3, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(item(rs)) : Optional.<PubSubItem>empty();
                }
            }
        }));
    }

    @Override
    public List<String> retract(Jid owner, String node, List<String> ids) {
        return db.tx("retracting items of PEP node " + node + " of " + owner, s -> s.doReturningWork(c -> {
            Set<String> removed = new HashSet<>();
            try (PreparedStatement ps = c.prepareStatement("delete from pubsub_item where owner = ? and node = ?"
                    + " and id = any(?) returning id")) {
                ps.setString(1, owner.bare().toString());
                ps.setString(2, node);
                ps.setArray(3, c.createArrayOf("text", ids.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        removed.add(rs.getString(1));
                    }
                }
            }
            List<String> out = new ArrayList<>(removed.size());
            for (String id : ids) {
                if (removed.remove(id)) {
                    out.add(id);
                }
            }
            return List.copyOf(out);
        }));
    }

    @Override
    public int purge(Jid owner, String node) {
        return db.tx("purging PEP node " + node + " of " + owner, s -> s.createNativeMutationQuery(
                        "delete from pubsub_item where owner = :owner and node = :node")
                .setParameter("owner", owner.bare().toString()).setParameter("node", node).executeUpdate());
    }

    @Override
    public List<String> configure(PubSubNode n, int maxItems) {
        return db.tx("configuring PEP node " + n.node() + " of " + n.owner(), s -> s.doReturningWork(c -> {
            try (PreparedStatement ps = c.prepareStatement("update pubsub_node set access_model = ?, persist_items = ?,"
                    + " max_items = ?, send_last = ?, notify_retract = ?, title = ?, roster_groups = ?"
                    + " where owner = ? and node = ?")) {
                ps.setString(1, n.accessModel().wire());
                ps.setBoolean(2, n.persistItems());
                ps.setInt(3, n.maxItems());
                ps.setString(4, n.sendLast().wire());
                ps.setBoolean(5, n.notifyRetract());
                ps.setString(6, n.title());
                ps.setArray(7, c.createArrayOf("text", n.rosterGroups().toArray()));
                ps.setString(8, n.owner().bare().toString());
                ps.setString(9, n.node());
                if (ps.executeUpdate() == 0) {
                    return List.<String>of();
                }
            }
            return trim(c, n.owner(), n.node(), maxItems);
        }));
    }

    @Override
    public void deleteAll(Jid owner) {
        db.tx("deleting the PEP nodes of " + owner, s -> s.createNativeMutationQuery(
                "delete from pubsub_node where owner = :owner").setParameter("owner", owner.bare().toString()).executeUpdate());
    }
}
