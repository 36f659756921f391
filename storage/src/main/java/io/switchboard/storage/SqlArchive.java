package io.switchboard.storage;

import io.switchboard.jid.Jid;
import io.switchboard.store.ArchivePage;
import io.switchboard.store.ArchiveQuery;
import io.switchboard.store.ArchivedMessage;
import io.switchboard.store.MessageArchive;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Message archives in {@code message_archive}, in SQL through the Hibernate session's connection:
 * the rows are append-only and every read is a keyset range scan of {@code (owner, id)} or
 * {@code (owner, with_jid, id)} with a LIMIT, which is what makes a page on a million-message
 * archive cost the same as on an empty one. Entities would add a persistence context to fill and
 * flush for nothing.
 *
 * <p>Appends are one JDBC batch per call with {@code ON CONFLICT DO NOTHING}: the caller (the
 * archive writer) groups the messages of many conversations into one transaction.
 */
final class SqlArchive implements MessageArchive {

    /**
     * Results are counted exactly up to this many; beyond, the count is unknown (RSM's count is
     * optional), so that no query has to walk a whole million-message archive just to count it.
     */
    static final int COUNT_LIMIT = 1_000;

    private static final String COLUMNS = "owner, id, with_jid, outgoing, at, origin_id, stanza";

    private final Database db;

    SqlArchive(Database db) {
        this.db = db;
    }

    @Override
    public void append(List<ArchivedMessage> messages) {
        if (messages.isEmpty()) {
            return;
        }
        db.tx("archiving " + messages.size() + " messages", s -> {
            s.doWork(c -> {
                try (PreparedStatement ps = c.prepareStatement("insert into message_archive (" + COLUMNS
                        + ") values (?, ?, ?, ?, ?, ?, ?) on conflict do nothing")) {
                    for (ArchivedMessage m : messages) {
                        ps.setString(1, m.owner().toString());
                        ps.setLong(2, m.id());
                        ps.setString(3, m.with().toString());
                        ps.setBoolean(4, m.outgoing());
                        ps.setTimestamp(5, Timestamp.from(m.at()));
                        if (m.originId() == null) {
                            ps.setNull(6, Types.VARCHAR);
                        } else {
                            ps.setString(6, m.originId());
                        }
                        ps.setString(7, m.stanza());
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            });
            return null;
        });
    }

    /**
     * One page and, separately, the count of the whole result (RSM {@code <count/>}, up to
     * {@link #COUNT_LIMIT}). The page reads at most {@code max + 1} rows to know whether the range goes on.
     */
    @Override
    public ArchivePage query(ArchiveQuery q) {
        return db.tx("querying the archive of " + q.owner(), s -> s.doReturningWork(c -> {
            Database.snapshot(c);
            StringBuilder where = new StringBuilder(" where owner = ?");
            List<Object> args = new ArrayList<>();
            args.add(q.owner().toString());
            if (q.with() != null) {
                where.append(" and with_jid = ?");
                args.add(q.with().toString());
            }
            if (q.startId() != null) {
                where.append(" and id >= ?");
                args.add(q.startId());
            }
            if (q.endId() != null) {
                where.append(" and id <= ?");
                args.add(q.endId());
            }
            if (q.ids() != null) {
                where.append(" and id = any (?)");
                args.add(q.ids().toArray(new Long[0]));
            }
            // Paging bounds apply to the page, not to the count.
            StringBuilder page = new StringBuilder(where);
            List<Object> pageArgs = new ArrayList<>(args);
            if (q.afterId() != null) {
                page.append(" and id > ?");
                pageArgs.add(q.afterId());
            }
            if (q.beforeId() != null) {
                page.append(" and id < ?");
                pageArgs.add(q.beforeId());
            }
            boolean backwards = q.last() || (q.beforeId() != null && q.afterId() == null);
            page.append(backwards ? " order by id desc" : " order by id asc").append(" limit ?");
            pageArgs.add(q.max() + 1);
            List<ArchivedMessage> rows = select(c, q.owner(), "select " + COLUMNS + " from message_archive" + page, pageArgs);
            boolean complete = rows.size() <= q.max();
            if (!complete) {
                rows = rows.subList(0, q.max());
            }
            rows = new ArrayList<>(rows);
            if (backwards) {
                Collections.reverse(rows);
            }
            long count;
            // "order by id" keeps the count on the index: without it the planner may pick a
            // sequential scan that expects its 1,001 rows early but, the table being in id order,
            // reads every older row first (60 ms for a page from the middle of 1,000,000).
            try (PreparedStatement ps = c.prepareStatement("select count(*) from (select 1 from message_archive" + where
                    + " order by id limit " + (COUNT_LIMIT + 1) + ") t")) {
                bind(c, ps, args);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    count = rs.getLong(1);
                }
            }
            return new ArchivePage(List.copyOf(rows), complete, count > COUNT_LIMIT ? -1 : count);
        }));
    }

    @Override
    public Optional<ArchivedMessage> find(Jid owner, long id) {
        return db.tx("reading an archived message of " + owner, s -> s.doReturningWork(c -> select(c, owner,
                "select " + COLUMNS + " from message_archive where owner = ? and id = ?",
                List.of(owner.toString(), id)).stream().findFirst()));
    }

    @Override
    public Optional<ArchivedMessage> findByOriginId(Jid owner, Jid with, String originId) {
        return db.tx("finding a message by origin-id for " + owner, s -> s.doReturningWork(c -> select(c, owner,
                "select " + COLUMNS + " from message_archive where owner = ? and origin_id = ? and with_jid = ?"
                        + " order by id desc limit 1",
                List.of(owner.toString(), originId, with.toString())).stream().findFirst()));
    }

    @Override
    public boolean replace(Jid owner, long id, String stanza) {
        return db.tx("replacing an archived message of " + owner, s -> s.createNativeMutationQuery(
                        "update message_archive set stanza = :stanza where owner = :owner and id = :id")
                .setParameter("stanza", stanza).setParameter("owner", owner.toString()).setParameter("id", id)
                .executeUpdate() > 0);
    }

    @Override
    public long purgeBefore(Instant before) {
        return db.tx("purging archived messages before " + before, s -> (long) s.createNativeMutationQuery(
                "delete from message_archive where at < :before").setParameter("before", before).executeUpdate());
    }

    @Override
    public Optional<long[]> bounds(Jid owner) {
        return db.tx("reading the archive bounds of " + owner, s -> s.doReturningWork(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "select min(id), max(id), count(*) from message_archive where owner = ?")) {
                ps.setString(1, owner.toString());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    long n = rs.getLong(3);
                    return n == 0 ? Optional.<long[]>empty() : Optional.of(new long[]{rs.getLong(1), rs.getLong(2), n});
                }
            }
        }));
    }

    /**
     * Rows of one owner's archive. The owner's JID is the one asked for, and each correspondent's
     * JID is parsed once per call: a page of 50 messages with a handful of correspondents used to
     * run PRECIS 100 times.
     */
    private static List<ArchivedMessage> select(Connection c, Jid owner, String sql, List<Object> args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(c, ps, args);
            List<ArchivedMessage> out = new ArrayList<>();
            Map<String, Jid> with = new HashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new ArchivedMessage(owner, rs.getLong(2), with.computeIfAbsent(rs.getString(3), Jid::of),
                            rs.getBoolean(4), rs.getTimestamp(5).toInstant(), rs.getString(6), rs.getString(7)));
                }
            }
            return out;
        }
    }

    private static void bind(Connection c, PreparedStatement ps, List<Object> args) throws SQLException {
        for (int i = 0; i < args.size(); i++) {
            Object a = args.get(i);
            if (a instanceof Long[] ids) {
                ps.setArray(i + 1, c.createArrayOf("bigint", ids));
            } else {
                ps.setObject(i + 1, a);
            }
        }
    }
}
