package io.switchboard.storage;

import io.switchboard.jid.Jid;
import io.switchboard.store.AccountChange;
import io.switchboard.store.StorageException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Account changes from every process on the database: a daemon thread with its own connection
 * (outside the pool) LISTENs on {@link Database#ACCOUNT_CHANNEL} and hands each notification to the
 * listeners, in commit order. It reconnects after errors; notifications sent while it was
 * disconnected are lost.
 */
final class AccountChangeFeed implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AccountChangeFeed.class);
    private static final int POLL_MILLIS = 500;
    private static final long CHECK_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final long MAX_BACKOFF_MILLIS = 30_000;

    private final Endpoint endpoint;
    private final List<Consumer<AccountChange>> listeners = new CopyOnWriteArrayList<>();
    private final CountDownLatch listening = new CountDownLatch(1);
    private final Object wakeUp = new Object();
    private volatile boolean closed;
    private Thread thread; // guarded by this

    AccountChangeFeed(Endpoint endpoint) {
        this.endpoint = endpoint;
    }

    /**
     * Adds a listener; the first call starts the thread and returns once it listens, so that no change
     * committed after this returns is missed.
     */
    void add(Consumer<AccountChange> listener) {
        listeners.add(listener);
        synchronized (this) {
            if (closed) {
                throw new StorageException("storage is closed");
            }
            if (thread == null) {
                thread = new Thread(this::run, "switchboard-account-changes");
                thread.setDaemon(true);
                thread.start();
            }
        }
        try {
            if (!listening.await(15, TimeUnit.SECONDS)) {
                throw new StorageException("could not LISTEN for account changes on " + endpoint.safeUrl());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("interrupted while starting to LISTEN for account changes", e);
        }
    }

    private void run() {
        long backoff = POLL_MILLIS;
        while (!closed) {
            try (Connection c = endpoint.connect("switchboard-account-changes")) {
                try (Statement st = c.createStatement()) {
                    st.execute("LISTEN " + Database.ACCOUNT_CHANNEL);
                }
                if (listening.getCount() == 0) {
                    LOG.info("Listening for account changes again");
                }
                listening.countDown();
                backoff = POLL_MILLIS;
                poll(c);
            } catch (SQLException | RuntimeException e) {
                if (closed) {
                    break;
                }
                LOG.warn("Account change notifications interrupted ({}); reconnecting in {} ms", e.toString(), backoff);
                pause(backoff);
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
            }
        }
        LOG.debug("Account change listener stopped");
    }

    private void poll(Connection c) throws SQLException {
        PGConnection pg = c.unwrap(PGConnection.class);
        long checked = System.nanoTime();
        while (!closed) {
            PGNotification[] received = pg.getNotifications(POLL_MILLIS);
            if (received != null) {
                for (PGNotification n : received) {
                    dispatch(n.getParameter());
                }
            }
            if (System.nanoTime() - checked > CHECK_NANOS) {
                // A silently dropped connection would otherwise just look quiet.
                if (!c.isValid(5)) {
                    throw new SQLException("connection no longer valid");
                }
                checked = System.nanoTime();
            }
        }
    }

    private void dispatch(String payload) {
        AccountChange change;
        try {
            int space = payload.indexOf(' ');
            change = new AccountChange(AccountChange.Kind.valueOf(payload.substring(0, space)),
                    Jid.of(payload.substring(space + 1)));
        } catch (RuntimeException e) {
            LOG.warn("Ignoring malformed account change notification '{}'", payload);
            return;
        }
        for (Consumer<AccountChange> l : listeners) {
            try {
                l.accept(change);
            } catch (RuntimeException e) {
                LOG.error("Account change listener failed on {}", change, e);
            }
        }
    }

    private void pause(long millis) {
        synchronized (wakeUp) {
            try {
                wakeUp.wait(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                closed = true;
            }
        }
    }

    /** Stops the thread (within about {@value #POLL_MILLIS} ms) and closes its connection. */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            closed = true;
            t = thread;
        }
        synchronized (wakeUp) {
            wakeUp.notifyAll();
        }
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
