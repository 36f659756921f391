package io.switchboard.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.jid.Jid;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The per-account cache behind the push registrations and the avatar hashes: the store is read
 * without a lock, a change that lands during a read is not lost, only accounts online here are kept.
 */
class OnlineAccountCacheTest {

    static final Jid ALICE = Jid.of("alice@example.test");
    static final Jid BOB = Jid.of("bob@example.test");

    /** A store of current values that counts its reads and can run something in the middle of one. */
    static final class Store implements Function<Jid, List<String>> {
        final Map<Jid, List<String>> values = new ConcurrentHashMap<>();
        final AtomicInteger reads = new AtomicInteger();
        volatile Runnable duringRead;

        @Override
        public List<String> apply(Jid owner) {
            reads.incrementAndGet();
            List<String> v = values.getOrDefault(owner, List.of());
            Runnable r = duringRead;
            if (r != null) {
                duringRead = null;
                r.run();
            }
            return v;
        }
    }

    final Store store = new Store();
    final Set<Jid> online = ConcurrentHashMap.newKeySet();
    final OnlineAccountCache<List<String>> cache = new OnlineAccountCache<>(store, online::contains);
    final ExecutorService other = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() {
        other.shutdownNow();
    }

    @Test
    void anOnlineAccountIsReadOnceUntilItChanges() {
        online.add(ALICE);
        store.values.put(ALICE, List.of("r1"));
        for (int i = 0; i < 10; i++) {
            assertThat(cache.get(ALICE)).containsExactly("r1");
        }
        assertThat(store.reads).hasValue(1);
        store.values.put(ALICE, List.of("r1", "r2"));
        cache.invalidate(ALICE);
        assertThat(cache.get(ALICE)).containsExactly("r1", "r2");
        assertThat(cache.get(ALICE)).containsExactly("r1", "r2");
        assertThat(store.reads).hasValue(2);
    }

    @Test
    void anAccountWithoutASessionHereIsReadEveryTimeAndNotKept() {
        store.values.put(BOB, List.of("b"));
        assertThat(cache.get(BOB)).containsExactly("b");
        assertThat(cache.get(BOB)).containsExactly("b");
        assertThat(store.reads).hasValue(2);
        assertThat(cache.size()).isZero();
        online.add(BOB);
        cache.get(BOB);
        cache.offline(BOB);
        assertThat(cache.size()).as("another session of bob is still here").isEqualTo(1);
        online.remove(BOB);
        cache.offline(BOB);
        assertThat(cache.size()).isZero();
    }

    /**
     * The store is read with no lock held: a change of the same account made on another thread while
     * the read is under way completes (were the read inside the map's per-key lock, the change's
     * removal would wait for the read, which waits for the change: this test would never end).
     */
    @Test
    void aChangeOnAnotherThreadDuringTheReadIsNotHeldUpAndNotLost() throws Exception {
        online.add(ALICE);
        store.values.put(ALICE, List.of("old"));
        store.duringRead = () -> {
            Future<?> change = other.submit(() -> {
                store.values.put(ALICE, List.of("new"));
                cache.invalidate(ALICE);
            });
            try {
                change.get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("the change was held up by the read", e);
            }
        };
        assertThat(cache.get(ALICE)).containsExactly("old");
        assertThat(cache.size()).as("the value read before the change is not kept").isZero();
        assertThat(cache.get(ALICE)).containsExactly("new");
        assertThat(cache.size()).isEqualTo(1);
    }

    @Test
    void anAccountGoingOfflineDuringTheReadLeavesNothingBehind() {
        online.add(ALICE);
        store.duringRead = () -> {
            online.remove(ALICE);
            cache.offline(ALICE);
        };
        cache.get(ALICE);
        assertThat(cache.size()).isZero();
    }
}
