package io.switchboard.ext.mam;

import io.switchboard.store.ArchivedMessage;
import io.switchboard.store.MessageArchive;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes archived messages in batches on one thread, so that delivery never waits for the
 * database. Queries call {@link #flush()} first and so always see every message delivered before
 * them. After the first message of a batch the writer lingers {@link #LINGER_NANOS} for more
 * (a group commit): one wake-up and one storage call per batch rather than per message, which on a
 * lightly loaded server is most of what archiving costs; a flush cuts the linger short. When the queue is full, the sender writes synchronously (back-pressure, nothing dropped);
 * when storage fails, the batch is retried until it succeeds or the server stops.
 *
 * @implNote thread-safe.
 */
public final class Archiver implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Archiver.class);
    private static final int BATCH = 500;
    /** How long the writer waits for more messages after the first of a batch. */
    static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    private final MessageArchive archive;
    private final BlockingQueue<ArchivedMessage> queue = new ArrayBlockingQueue<>(50_000);
    private final Thread writer;
    private final Object progress = new Object();
    private final AtomicLong enqueued = new AtomicLong();
    private final AtomicInteger flushing = new AtomicInteger();
    private long written;
    private volatile boolean stopping;

    public Archiver(MessageArchive archive) {
        this(archive, "archive-writer");
    }

    /** @param threadName the writer thread's name (one writer per archive user: accounts, a group chat service) */
    public Archiver(MessageArchive archive, String threadName) {
        this.archive = archive;
        this.writer = new Thread(this::run, threadName);
        writer.setDaemon(true);
        writer.start();
    }

    public void add(ArchivedMessage m) {
        enqueued.incrementAndGet();
        if (!queue.offer(m)) {
            // Full: write this one ourselves rather than drop or block the world.
            write(List.of(m));
        }
    }

    private void run() {
        List<ArchivedMessage> batch = new ArrayList<>(BATCH);
        while (!stopping || !queue.isEmpty()) {
            try {
                ArchivedMessage first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, BATCH - 1);
                if (batch.size() < BATCH && flushing.get() == 0 && !stopping) {
                    LockSupport.parkNanos(this, LINGER_NANOS);
                    queue.drainTo(batch, BATCH - batch.size());
                }
                write(batch);
                batch.clear();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void write(List<ArchivedMessage> batch) {
        long delay = 100;
        while (true) {
            try {
                archive.append(batch);
                synchronized (progress) {
                    written += batch.size();
                    progress.notifyAll();
                }
                return;
            } catch (RuntimeException e) {
                LOG.error("Archiving {} messages failed ({}); retrying in {} ms", batch.size(), e.getMessage(), delay);
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
                delay = Math.min(10_000, delay * 2);
            }
        }
    }

    /** Waits until everything added so far is written (at most 10 s). */
    public void flush() {
        long target = enqueued.get();
        synchronized (progress) {
            if (written >= target) {
                // Nothing of before this call is waiting: no need to wake the writer (an archive
                // query on a quiet archive used to cost a thread wake-up).
                return;
            }
        }
        flushing.incrementAndGet();
        try {
            LockSupport.unpark(writer);
            awaitWritten(target);
        } finally {
            flushing.decrementAndGet();
        }
    }

    private void awaitWritten(long target) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        synchronized (progress) {
            while (written < target) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    LOG.warn("The archive is {} messages behind", target - written);
                    return;
                }
                try {
                    progress.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Writes what is queued, then stops. */
    @Override
    public void close() {
        flush();
        stopping = true;
        LockSupport.unpark(writer);
        try {
            writer.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
