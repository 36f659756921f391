package io.switchboard.bench.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * One thread, one {@link Selector}, any number of sessions. Everything a session does happens on
 * its loop's thread; other threads hand work over with {@link #execute(Runnable)}. Timers have
 * sub-millisecond precision (a millisecond select, then a short park), so that paced senders keep
 * their schedule without spinning.
 *
 * <p>Buffers for reading, decrypting and encrypting are the loop's, shared by its sessions: an
 * idle session holds no I/O buffer at all, which is what lets one client carry tens of thousands.
 */
public final class EventLoop implements Runnable {

    /** Encrypted bytes read per call, plus room for one partial TLS record kept from the last read. */
    static final int NET_IN = 96 * 1024;
    static final int NET_OUT = 20 * 1024;
    static final int APP = 64 * 1024;

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** A scheduled action; cancel it with {@link #cancel()}. */
    public static final class Timer implements Comparable<Timer> {
        final long due;
        final long seq;
        final Runnable action;
        boolean cancelled;

        Timer(long due, long seq, Runnable action) {
            this.due = due;
            this.seq = seq;
            this.action = action;
        }

        public void cancel() {
            cancelled = true;
        }

        @Override
        public int compareTo(Timer o) {
            int c = Long.compare(due, o.due);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private final int index;
    private final Selector selector;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private final List<XmppSession> dirty = new ArrayList<>();
    private long timerSeq;
    private volatile boolean running = true;
    private volatile Throwable failure;

    final ByteBuffer netIn = ByteBuffer.allocateDirect(NET_IN);
    final ByteBuffer netOut = ByteBuffer.allocateDirect(NET_OUT);
    final byte[] app = new byte[APP];
    final ByteBuffer appBuf = ByteBuffer.wrap(app);

    public EventLoop(int index) {
        this.index = index;
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.thread = new Thread(this, "bench-loop-" + index);
        this.thread.setDaemon(true);
    }

    public int index() {
        return index;
    }

    public void start() {
        thread.start();
    }

    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** Runs the action on the loop's thread, soon. Safe from any thread. */
    public void execute(Runnable r) {
        tasks.add(r);
        if (!inLoop()) {
            selector.wakeup();
        }
    }

    /** Runs the computation on the loop's thread and hands back its value. */
    public <T> CompletableFuture<T> submit(Supplier<T> s) {
        CompletableFuture<T> f = new CompletableFuture<>();
        execute(() -> {
            try {
                f.complete(s.get());
            } catch (RuntimeException | Error e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    /** Schedules on the loop, at {@code System.nanoTime()} value {@code due}. Loop thread only. */
    public Timer schedule(long due, Runnable action) {
        Timer t = new Timer(due, timerSeq++, action);
        timers.add(t);
        return t;
    }

    Selector selector() {
        return selector;
    }

    /** The session has queued output: it is flushed before the loop next waits. */
    void markDirty(XmppSession s) {
        dirty.add(s);
    }

    /** CPU time this loop's thread has used, in nanoseconds. */
    public long cpuNanos() {
        long t = THREADS.getThreadCpuTime(thread.getId());
        return Math.max(t, 0);
    }

    public Throwable failure() {
        return failure;
    }

    public void stop() {
        running = false;
        selector.wakeup();
    }

    public void join(long millis) throws InterruptedException {
        thread.join(millis);
    }

    @Override
    public void run() {
        try {
            while (running) {
                runTasks();
                long now = System.nanoTime();
                runTimers(now);
                flush();
                long waitNanos = nextTimerIn(System.nanoTime());
                int ready;
                if (!tasks.isEmpty() || waitNanos == 0) {
                    ready = selector.selectNow();
                } else if (waitNanos < 0) {
                    ready = selector.select();
                } else if (waitNanos >= 1_000_000) {
                    ready = selector.select(waitNanos / 1_000_000);
                } else {
                    ready = selector.selectNow();
                    if (ready == 0 && tasks.isEmpty()) {
                        LockSupport.parkNanos(Math.min(waitNanos, 200_000));
                    }
                }
                if (ready > 0) {
                    handleKeys();
                }
            }
        } catch (Throwable t) {
            failure = t;
            System.err.println("bench: event loop " + index + " failed: " + t);
            t.printStackTrace();
        } finally {
            for (SelectionKey k : selector.keys()) {
                if (k.attachment() instanceof XmppSession s) {
                    s.abort("client stopped");
                }
            }
            try {
                selector.close();
            } catch (IOException e) {
                // Closing at the end: nothing to do about it.
            }
        }
    }

    private void runTasks() {
        Runnable r;
        int n = 0;
        while (n++ < 100_000 && (r = tasks.poll()) != null) {
            r.run();
        }
    }

    private void runTimers(long now) {
        Timer t;
        while ((t = timers.peek()) != null && t.due <= now) {
            timers.poll();
            if (!t.cancelled) {
                t.action.run();
            }
        }
    }

    /** Nanoseconds to the next timer, 0 when one is due, -1 when there is none. */
    private long nextTimerIn(long now) {
        Timer t;
        while ((t = timers.peek()) != null && t.cancelled) {
            timers.poll();
        }
        if (t == null) {
            return -1;
        }
        return Math.max(0, t.due - now);
    }

    private void handleKeys() {
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
            SelectionKey k = it.next();
            it.remove();
            if (!k.isValid()) {
                continue;
            }
            XmppSession s = (XmppSession) k.attachment();
            int ops = k.readyOps();
            if ((ops & SelectionKey.OP_CONNECT) != 0) {
                s.onConnectable();
            }
            if (k.isValid() && (ops & SelectionKey.OP_WRITE) != 0) {
                s.onWritable();
            }
            if (k.isValid() && (ops & SelectionKey.OP_READ) != 0) {
                s.onReadable();
            }
        }
        flush();
    }

    private void flush() {
        if (dirty.isEmpty()) {
            return;
        }
        // Sessions may mark others dirty while flushing (none do today); index loop tolerates it.
        for (int i = 0; i < dirty.size(); i++) {
            dirty.get(i).flush();
        }
        dirty.clear();
    }
}
