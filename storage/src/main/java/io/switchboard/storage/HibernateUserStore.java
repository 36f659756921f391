package io.switchboard.storage;

import io.switchboard.jid.Jid;
import io.switchboard.store.Account;
import io.switchboard.store.AccountChange;
import io.switchboard.store.DuplicateAccountException;
import io.switchboard.store.ScramCredential;
import io.switchboard.store.ScramHash;
import io.switchboard.store.StorageException;
import io.switchboard.store.UserStore;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.hibernate.Session;

/** Accounts in {@code user_account} and {@code scram_credential}. */
final class HibernateUserStore implements UserStore {

    /** Accounts per {@link #createAll} transaction. */
    private static final int IMPORT_CHUNK = 1000;

    private final Database db;

    HibernateUserStore(Database db) {
        this.db = db;
    }

    @Override
    public void create(Account account) {
        db.tx("creating account " + account.jid(), s -> {
            if (exists(s, account.jid())) {
                throw new DuplicateAccountException(account.jid());
            }
            s.persist(toEntity(account));
            try {
                s.flush();
            } catch (RuntimeException e) {
                if (Database.isUniqueViolation(e)) { // created by someone else since we looked
                    throw new DuplicateAccountException(account.jid());
                }
                throw e;
            }
            Database.notify(s, new AccountChange(AccountChange.Kind.CREATED, account.jid()));
            return null;
        });
    }

    @Override
    public List<Jid> createAll(List<Account> accounts) {
        List<Jid> skipped = new ArrayList<>();
        Map<Jid, Account> unique = new LinkedHashMap<>();
        for (Account a : accounts) {
            if (unique.putIfAbsent(a.jid(), a) != null) {
                skipped.add(a.jid());
            }
        }
        List<Account> todo = List.copyOf(unique.values());
        for (int i = 0; i < todo.size(); i += IMPORT_CHUNK) {
            skipped.addAll(createChunk(todo.subList(i, Math.min(todo.size(), i + IMPORT_CHUNK))));
        }
        return skipped;
    }

    /** Inserts the accounts that do not exist yet, in one transaction of batched inserts. */
    private List<Jid> createChunk(List<Account> chunk) {
        List<String> jids = chunk.stream().map(a -> a.jid().toString()).toList();
        for (int attempt = 1; ; attempt++) {
            try {
                return db.tx("importing accounts", s -> {
                    Set<String> existing = new HashSet<>(s.createSelectionQuery(
                                    "select a.jid from Account a where a.jid in :jids", String.class)
                            .setParameterList("jids", jids).getResultList());
                    List<Jid> skipped = new ArrayList<>();
                    for (Account a : chunk) {
                        if (existing.contains(a.jid().toString())) {
                            skipped.add(a.jid());
                        } else {
                            s.persist(toEntity(a));
                        }
                    }
                    s.flush();
                    return skipped;
                });
            } catch (StorageException e) {
                // Another process created one of them since we looked: look again.
                if (attempt == 3 || !Database.isUniqueViolation(e)) {
                    throw e;
                }
            }
        }
    }

    @Override
    public Optional<Account> find(Jid bare) {
        return db.tx("finding account " + bare,
                s -> Optional.ofNullable(s.find(AccountEntity.class, bare.toString())).map(HibernateUserStore::toAccount));
    }

    @Override
    public boolean exists(Jid bare) {
        return db.tx("looking up account " + bare, s -> exists(s, bare));
    }

    private static boolean exists(Session s, Jid bare) {
        return s.createSelectionQuery("select count(a) from Account a where a.jid = :jid", Long.class)
                .setParameter("jid", bare.toString()).getSingleResult() > 0;
    }

    /**
     * One DELETE of the account row, whose foreign keys' ON DELETE CASCADE removes everything it owns,
     * and of its message archive (which has no foreign key: rooms have archives too), in one transaction.
     */
    @Override
    public boolean delete(Jid bare) {
        return db.tx("deleting account " + bare, s -> {
            int rows = s.createMutationQuery("delete from Account a where a.jid = :jid")
                    .setParameter("jid", bare.toString()).executeUpdate();
            if (rows > 0) {
                s.createNativeMutationQuery("delete from message_archive where owner = :jid")
                        .setParameter("jid", bare.toString()).executeUpdate();
            }
            if (rows > 0) {
                Database.notify(s, new AccountChange(AccountChange.Kind.DELETED, bare));
            }
            return rows > 0;
        });
    }

    @Override
    public boolean setCredentials(Jid bare, Map<ScramHash, ScramCredential> credentials) {
        return db.tx("changing the credentials of " + bare, s -> {
            if (!Database.lockOwner(s, bare)) {
                return false;
            }
            AccountEntity e = s.find(AccountEntity.class, bare.toString());
            e.credentials.clear();
            credentials.forEach((hash, c) -> e.credentials.put(hash, ScramEmbeddable.of(c)));
            Database.notify(s, new AccountChange(AccountChange.Kind.PASSWORD_CHANGED, bare));
            return true;
        });
    }

    @Override
    public boolean setAdmin(Jid bare, boolean admin) {
        return db.tx("changing the admin flag of " + bare, s -> s.createMutationQuery(
                        "update Account a set a.admin = :admin where a.jid = :jid")
                .setParameter("admin", admin).setParameter("jid", bare.toString()).executeUpdate() > 0);
    }

    /** Ordered by the JID column's "C" collation: code point order (Jid's order but for characters above U+FFFF). */
    @Override
    public List<Jid> list(int offset, int limit) {
        if (limit <= 0) {
            return List.of();
        }
        return db.tx("listing accounts", s -> s.createSelectionQuery("select a.jid from Account a order by a.jid", String.class)
                .setFirstResult(offset).setMaxResults(limit).getResultList().stream().map(Jid::of).toList());
    }

    @Override
    public long count() {
        return db.tx("counting accounts", s -> s.createSelectionQuery("select count(a) from Account a", Long.class)
                .getSingleResult());
    }

    private static AccountEntity toEntity(Account a) {
        AccountEntity e = new AccountEntity();
        e.jid = a.jid().toString();
        e.admin = a.admin();
        e.created = a.created();
        a.credentials().forEach((hash, c) -> e.credentials.put(hash, ScramEmbeddable.of(c)));
        return e;
    }

    private static Account toAccount(AccountEntity e) {
        Map<ScramHash, ScramCredential> credentials = new EnumMap<>(ScramHash.class);
        e.credentials.forEach((hash, c) -> credentials.put(hash, c.toCredential(hash)));
        return new Account(Jid.of(e.jid), e.admin, e.created, credentials);
    }
}
