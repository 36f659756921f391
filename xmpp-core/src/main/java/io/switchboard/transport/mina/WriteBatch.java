package io.switchboard.transport.mina;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * The writes a worker makes while it handles the elements of one read: each connection it writes to
 * is corked until the batch ends, so that what one read causes leaves every connection as one
 * write (one TLS record, one system call), however many stanzas it holds. A window of messages
 * from one sender to one recipient used to cost a record, a 33 KB encode buffer and a
 * {@code messageSent} event each.
 *
 * <p>Order is kept per connection, whoever writes: while a connection is corked, every write to
 * it, from any thread, is appended behind what is held (see {@link MinaConnection#write(byte[])}),
 * so the bytes leave in the order of the write calls, the order in which stream management
 * counted the stanzas. A held write waits at most until the end of the batch that corked its
 * connection (one read's elements) or until the held bytes pass {@link MinaConnection#CORK_FLUSH_BYTES}.
 *
 * @implNote one per worker thread and batch: {@link #begin()} and {@link #end()} on the same thread.
 */
final class WriteBatch {

    private static final ThreadLocal<WriteBatch> CURRENT = new ThreadLocal<>();

    private final List<MinaConnection> corked = new ArrayList<>(4);
    private Set<MinaConnection> index;

    private WriteBatch() {
    }

    /** Starts a batch on this thread; null when one is already open here (the outer one ends it). */
    static WriteBatch begin() {
        if (CURRENT.get() != null) {
            return null;
        }
        WriteBatch b = new WriteBatch();
        CURRENT.set(b);
        return b;
    }

    /** The batch open on this thread, or null. */
    static WriteBatch current() {
        return CURRENT.get();
    }

    /** True the first time this batch meets {@code c} (the caller then corks it). */
    boolean add(MinaConnection c) {
        if (index != null) {
            if (!index.add(c)) {
                return false;
            }
        } else {
            for (MinaConnection x : corked) {
                if (x == c) {
                    return false;
                }
            }
            if (corked.size() == 8) {
                index = Collections.newSetFromMap(new IdentityHashMap<>());
                index.addAll(corked);
                index.add(c);
            }
        }
        corked.add(c);
        return true;
    }

    /** Ends the batch: every connection it corked is released, which writes what it holds. */
    void end() {
        CURRENT.remove();
        RuntimeException failure = null;
        for (MinaConnection c : corked) {
            try {
                c.uncork();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
