package io.switchboard.store;

import io.switchboard.jid.Jid;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Accounts and their credentials. */
public interface UserStore {

    /** @throws DuplicateAccountException when the JID is taken */
    void create(Account account);

    /**
     * Creates many accounts in as few transactions as is efficient; existing JIDs are skipped and
     * returned, everything else is created.
     */
    List<Jid> createAll(List<Account> accounts);

    Optional<Account> find(Jid bare);

    boolean exists(Jid bare);

    /**
     * Deletes the account and everything it owns (roster, offline messages, private data, ...),
     * atomically.
     *
     * @return false when there was no such account
     */
    boolean delete(Jid bare);

    /** Replaces the credentials. @return false when there is no such account */
    boolean setCredentials(Jid bare, Map<ScramHash, ScramCredential> credentials);

    boolean setAdmin(Jid bare, boolean admin);

    /** Accounts ordered by JID (code point order of the canonical string). */
    List<Jid> list(int offset, int limit);

    long count();
}
