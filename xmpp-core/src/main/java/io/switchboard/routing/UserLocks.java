package io.switchboard.routing;

import io.switchboard.jid.Jid;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Striped per-account locks that keep "is anyone online to take this message, or must it go to
 * offline storage" consistent with "flush offline storage, then become available" at login, so
 * that no message is stored after the flush and none overtakes the stored ones.
 *
 * @implNote thread-safe; hold a lock only for one account's work, never across two accounts.
 */
public final class UserLocks {

    private final ReentrantLock[] stripes;

    public UserLocks(int stripes) {
        this.stripes = new ReentrantLock[stripes];
        for (int i = 0; i < stripes; i++) {
            this.stripes[i] = new ReentrantLock();
        }
    }

    public <T> T with(Jid bare, Supplier<T> work) {
        ReentrantLock l = stripes[Math.floorMod(bare.hashCode(), stripes.length)];
        l.lock();
        try {
            return work.get();
        } finally {
            l.unlock();
        }
    }

    public void run(Jid bare, Runnable work) {
        with(bare, () -> {
            work.run();
            return null;
        });
    }
}
