package io.switchboard.account;

import io.switchboard.auth.Passwords;
import io.switchboard.jid.Jid;
import io.switchboard.jid.MalformedJidException;
import io.switchboard.store.Account;
import io.switchboard.store.ScramCredential;
import io.switchboard.store.UserStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Account management shared by the command line, in-band registration and the admin console:
 * validation of names and passwords, SCRAM credential derivation, bulk import.
 *
 * @implNote thread-safe; blocks on storage and on key derivation.
 */
public final class AccountService {

    /** One line of an import. */
    public record NewAccount(Jid jid, String password) {
    }

    /** What an import did. */
    public record ImportResult(int created, List<Jid> existing) {
    }

    private final UserStore users;
    private final String domain;
    private final int iterations;
    private final Clock clock;

    public AccountService(UserStore users, String domain, int iterations, Clock clock) {
        this.users = users;
        this.domain = domain;
        this.iterations = iterations;
        this.clock = clock;
    }

    /**
     * Parses a user's JID for this server.
     *
     * @throws IllegalArgumentException with a message for people when it is not a valid account
     *                                  address of this domain
     */
    public Jid userJid(String s) {
        Jid j;
        try {
            j = Jid.of(s.contains("@") ? s : s + "@" + domain);
        } catch (MalformedJidException e) {
            throw new IllegalArgumentException("'" + s + "' is not a valid JID: " + e.getMessage());
        }
        if (!j.hasLocal() || j.hasResource()) {
            throw new IllegalArgumentException("'" + s + "' is not an account address (expected user@" + domain + ")");
        }
        if (!j.domain().equals(domain)) {
            throw new IllegalArgumentException("this server hosts " + domain + ", not " + j.domain());
        }
        return j;
    }

    /**
     * @throws io.switchboard.store.DuplicateAccountException when it exists
     * @throws IllegalArgumentException when the password is unacceptable
     */
    public void create(Jid jid, String password, boolean admin) {
        users.create(new Account(jid, admin, clock.instant(), Passwords.credentials(password, iterations)));
    }

    public boolean delete(Jid jid) {
        return users.delete(jid);
    }

    public boolean changePassword(Jid jid, String password) {
        return users.setCredentials(jid, Passwords.credentials(password, iterations));
    }

    public boolean setAdmin(Jid jid, boolean admin) {
        return users.setAdmin(jid, admin);
    }

    public boolean checkPassword(Jid jid, String password) {
        return users.find(jid).map(a -> {
            ScramCredential c = a.credential(io.switchboard.store.ScramHash.SHA_256);
            return c != null && Passwords.matches(c, password);
        }).orElse(false);
    }

    /**
     * Creates many accounts: key derivation runs on every core, storage in batches. Existing
     * accounts are skipped and reported.
     */
    public ImportResult importAll(List<NewAccount> accounts) {
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            int batch = 500;
            int created = 0;
            List<Jid> existing = new ArrayList<>();
            for (int from = 0; from < accounts.size(); from += batch) {
                List<NewAccount> slice = accounts.subList(from, Math.min(accounts.size(), from + batch));
                List<Future<Account>> derived = new ArrayList<>(slice.size());
                for (NewAccount n : slice) {
                    derived.add(pool.submit(() -> new Account(n.jid(), false, clock.instant(),
                            Passwords.credentials(n.password(), iterations))));
                }
                List<Account> ready = new ArrayList<>(slice.size());
                for (Future<Account> f : derived) {
                    ready.add(f.get());
                }
                List<Jid> skipped = users.createAll(ready);
                existing.addAll(skipped);
                created += ready.size() - skipped.size();
            }
            return new ImportResult(created, existing);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("import interrupted", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalStateException(c.getMessage(), c);
        } finally {
            pool.shutdownNow();
        }
    }

    public String domain() {
        return domain;
    }
}
