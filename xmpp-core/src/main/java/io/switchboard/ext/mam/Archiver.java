package io.switchboard.ext.mam;

import io.switchboard.store.ArchivedMessage;
import io.switchboard.store.MessageArchive;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes archived messages in batches on one thread, so that delivery never waits for the
 * database. Queries call {@link #flush()} first and so always see every message delivered before
 * them. When the queue is full, the sender writes synchronously (back-pressure, nothing dropped);
 * when storage fails, the batch is retried until it succeeds or the server stops.
 *
 * @implNote thread-safe.
 */
public final class Archiver implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Archiver.class);
    private static final int BATCH = 500;

    private final MessageArchive archive;
    private final BlockingQueue<ArchivedMessage> queue = new ArrayBlockingQueue<>(50_000);
    private final Thread writer;
    private final Object progress = new Object();
    private long enqueued;
    private long written;
    private volatile boolean stopping;

    public Archiver(MessageArchive archive) {
        this.archive = archive;
        this.writer = new Thread(this::run, "archive-writer");
        writer.setDaemon(true);
        writer.start();
    }

    public void add(ArchivedMessage m) {
        synchronized (progress) {
            enqueued++;
        }
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
        long target;
        synchronized (progress) {
            target = enqueued;
        }
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
        try {
            writer.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
