package io.switchboard.muc;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A striped executor: a fixed number of single-thread lanes with bounded queues; a key (a room's
 * JID) always maps to the same lane, so one room's work runs in order and never concurrently,
 * without locks, while different rooms run in parallel.
 *
 * @implNote thread-safe.
 */
final class Lanes {

    private final List<ThreadPoolExecutor> lanes;

    Lanes(int count, int queueCapacity, String name) {
        lanes = new ArrayList<>(count);
        AtomicInteger n = new AtomicInteger();
        for (int i = 0; i < count; i++) {
            ThreadPoolExecutor e = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
                    new ArrayBlockingQueue<>(queueCapacity), r -> {
                        Thread t = new Thread(r, name + "-" + n.getAndIncrement());
                        t.setDaemon(true);
                        return t;
                    }, new ThreadPoolExecutor.AbortPolicy());
            lanes.add(e);
        }
    }

    /**
     * Runs the task on the key's lane.
     *
     * @return false when the lane's queue is full (the caller answers with an error)
     */
    boolean execute(Object key, Runnable task) {
        try {
            lanes.get(Math.floorMod(key.hashCode() * 0x9E3779B9, lanes.size())).execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    int size() {
        return lanes.size();
    }

    void shutdown() {
        for (ThreadPoolExecutor e : lanes) {
            e.shutdown();
        }
        for (ThreadPoolExecutor e : lanes) {
            try {
                e.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
