package io.switchboard.storage;

import io.switchboard.jid.Jid;
import io.switchboard.store.MucRoomRecord;
import io.switchboard.store.MucRoomStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Persistent rooms in {@code muc_room}, {@code muc_room_config}, {@code muc_affiliation} and
 * {@code muc_registered_nick} (unique per room under {@link MucRoomRecord#nickKey}). A save
 * replaces the whole room in one transaction (rooms are saved on configuration, affiliation and
 * subject changes, which are rare next to messages).
 */
final class SqlMucRoomStore implements MucRoomStore {

    private final Database db;

    SqlMucRoomStore(Database db) {
        this.db = db;
    }

    @Override
    public void save(MucRoomRecord r) {
        db.tx("saving room " + r.room(), s -> {
            s.doWork(c -> {
                String room = r.room().toString();
                try (PreparedStatement ps = c.prepareStatement("insert into muc_room (room, service, subject, subject_by,"
                        + " created) values (?, ?, ?, ?, ?) on conflict (room) do update set subject = excluded.subject, created = excluded.created,"
                        + " subject_by = excluded.subject_by")) {
                    ps.setString(1, room);
                    ps.setString(2, r.room().domain());
                    ps.setString(3, r.subject());
                    ps.setString(4, r.subjectBy());
                    ps.setTimestamp(5, Timestamp.from(r.created()));
                    ps.executeUpdate();
                }
                for (String table : List.of("muc_room_config", "muc_affiliation", "muc_registered_nick")) {
                    try (PreparedStatement ps = c.prepareStatement("delete from " + table + " where room = ?")) {
                        ps.setString(1, room);
                        ps.executeUpdate();
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("insert into muc_room_config (room, name, value) values (?, ?, ?)")) {
                    for (Map.Entry<String, String> e : r.config().entrySet()) {
                        ps.setString(1, room);
                        ps.setString(2, e.getKey());
                        ps.setString(3, e.getValue());
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "insert into muc_affiliation (room, jid, affiliation) values (?, ?, ?)")) {
                    for (Map.Entry<Jid, String> e : r.affiliations().entrySet()) {
                        ps.setString(1, room);
                        ps.setString(2, e.getKey().toString());
                        ps.setString(3, e.getValue());
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "insert into muc_registered_nick (room, jid, nick, nick_key) values (?, ?, ?, ?)")) {
                    for (Map.Entry<Jid, String> e : r.nicks().entrySet()) {
                        ps.setString(1, room);
                        ps.setString(2, e.getKey().toString());
                        ps.setString(3, e.getValue());
                        ps.setString(4, MucRoomRecord.nickKey(e.getValue()));
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            });
            return null;
        });
    }

    @Override
    public Optional<MucRoomRecord> load(Jid room) {
        return db.tx("loading room " + room, s -> s.doReturningWork(c -> {
            List<MucRoomRecord> rooms = select(c, "room = ?", room.toString());
            return rooms.isEmpty() ? Optional.<MucRoomRecord>empty() : Optional.of(rooms.get(0));
        }));
    }

    @Override
    public List<MucRoomRecord> list(String serviceDomain) {
        return db.tx("listing the rooms of " + serviceDomain, s -> s.doReturningWork(c -> select(c, "service = ?",
                serviceDomain)));
    }

    @Override
    public boolean delete(Jid room) {
        return db.tx("deleting room " + room, s -> s.createNativeMutationQuery("delete from muc_room where room = :room")
                .setParameter("room", room.toString()).executeUpdate() > 0);
    }

    /** Rooms matching one condition on {@code muc_room}, by JID, each with its configuration and affiliations. */
    private static List<MucRoomRecord> select(Connection c, String where, String arg) throws SQLException {
        Database.snapshot(c);
        record Head(String subject, String subjectBy, Timestamp created) {
        }
        Map<String, Head> heads = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("select room, subject, subject_by, created from muc_room where "
                + where + " order by room")) {
            ps.setString(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    heads.put(rs.getString(1), new Head(rs.getString(2), rs.getString(3), rs.getTimestamp(4)));
                }
            }
        }
        if (heads.isEmpty()) {
            return List.of();
        }
        String[] ids = heads.keySet().toArray(String[]::new);
        Map<String, Map<String, String>> configs = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("select room, name, value from muc_room_config where room = any (?)")) {
            ps.setArray(1, c.createArrayOf("text", ids));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    configs.computeIfAbsent(rs.getString(1), k -> new HashMap<>()).put(rs.getString(2), rs.getString(3));
                }
            }
        }
        Map<String, Map<Jid, String>> affiliations = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("select room, jid, affiliation from muc_affiliation where room = any (?)")) {
            ps.setArray(1, c.createArrayOf("text", ids));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    affiliations.computeIfAbsent(rs.getString(1), k -> new HashMap<>()).put(Jid.of(rs.getString(2)),
                            rs.getString(3));
                }
            }
        }
        Map<String, Map<Jid, String>> nicks = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("select room, jid, nick from muc_registered_nick where room = any (?)")) {
            ps.setArray(1, c.createArrayOf("text", ids));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    nicks.computeIfAbsent(rs.getString(1), k -> new HashMap<>()).put(Jid.of(rs.getString(2)),
                            rs.getString(3));
                }
            }
        }
        List<MucRoomRecord> out = new ArrayList<>(heads.size());
        heads.forEach((room, h) -> out.add(new MucRoomRecord(Jid.of(room), configs.getOrDefault(room, Map.of()),
                affiliations.getOrDefault(room, Map.of()), h.subject(), h.subjectBy(), h.created().toInstant(),
                nicks.getOrDefault(room, Map.of()))));
        return out;
    }
}
