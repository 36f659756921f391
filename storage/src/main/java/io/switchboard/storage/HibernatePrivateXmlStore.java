package io.switchboard.storage;

import io.switchboard.jid.Jid;
import io.switchboard.store.PrivateXmlStore;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Private XML fragments in {@code private_xml}; the quota is checked under the owner's account row lock. */
final class HibernatePrivateXmlStore implements PrivateXmlStore {

    private final Database db;

    HibernatePrivateXmlStore(Database db) {
        this.db = db;
    }

    @Override
    public Optional<String> get(Jid owner, String key) {
        return db.tx("reading private XML of " + owner, s -> Optional.ofNullable(
                s.find(PrivateXmlEntity.class, new PrivateXmlEntity.Key(owner.toString(), key))).map(e -> e.xml));
    }

    /** @return false also when the owner has no account (deleted meanwhile) */
    @Override
    public boolean put(Jid owner, String key, String xml, long maxTotalBytes) {
        int bytes = xml.getBytes(StandardCharsets.UTF_8).length;
        return db.tx("storing private XML of " + owner, s -> {
            if (!Database.lockOwner(s, owner)) {
                return false;
            }
            long others = s.createSelectionQuery("select coalesce(sum(p.bytes), 0) from PrivateXml p"
                            + " where p.owner = :owner and p.elementKey <> :key", Long.class)
                    .setParameter("owner", owner.toString()).setParameter("key", key).getSingleResult();
            if (others + bytes > maxTotalBytes) {
                return false;
            }
            PrivateXmlEntity e = s.find(PrivateXmlEntity.class, new PrivateXmlEntity.Key(owner.toString(), key));
            if (e == null) {
                e = new PrivateXmlEntity();
                e.owner = owner.toString();
                e.elementKey = key;
                e.xml = xml;
                e.bytes = bytes;
                s.persist(e);
            } else {
                e.xml = xml;
                e.bytes = bytes;
            }
            return true;
        });
    }
}
