package io.switchboard.storage;

import io.switchboard.jid.Jid;
import io.switchboard.store.VCardStore;
import java.util.Optional;

/** vCards in {@code vcard}; a write for a missing account is ignored. */
final class SqlVCardStore implements VCardStore {

    private final Database db;

    SqlVCardStore(Database db) {
        this.db = db;
    }

    @Override
    public Optional<String> get(Jid owner) {
        return db.tx("reading the vCard of " + owner, s -> s.createNativeQuery(
                "select xml from vcard where owner = :owner", String.class)
                .setParameter("owner", owner.toString()).uniqueResultOptional());
    }

    @Override
    public void put(Jid owner, String vcard) {
        db.tx("storing the vCard of " + owner, s -> s.createNativeMutationQuery("insert into vcard (owner, xml)"
                        + " select jid, :xml from user_account where jid = :owner"
                        + " on conflict (owner) do update set xml = excluded.xml")
                .setParameter("xml", vcard).setParameter("owner", owner.toString()).executeUpdate());
    }

    @Override
    public void delete(Jid owner) {
        db.tx("deleting the vCard of " + owner, s -> s.createNativeMutationQuery("delete from vcard where owner = :owner")
                .setParameter("owner", owner.toString()).executeUpdate());
    }
}
