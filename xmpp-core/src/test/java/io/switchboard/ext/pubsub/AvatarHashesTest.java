package io.switchboard.ext.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.jid.Jid;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The per-account cache of the XEP-0398 hash: reads, invalidation, the bound by online accounts, a racing change. */
class AvatarHashesTest {

    static final Jid ALICE = Jid.of("alice@example.test");
    static final Jid BOB = Jid.of("bob@example.test");

    /** A store of current hashes that counts its reads. */
    static final class Store implements Function<Jid, String> {
        final Map<Jid, String> hashes = new ConcurrentHashMap<>();
        final AtomicInteger reads = new AtomicInteger();
        volatile Runnable duringRead;

        @Override
        public String apply(Jid owner) {
            reads.incrementAndGet();
            String h = hashes.get(owner);
            Runnable r = duringRead;
            if (r != null) {
                duringRead = null;
                r.run();
            }
            return h;
        }
    }

    final Store store = new Store();
    final Set<Jid> online = ConcurrentHashMap.newKeySet();
    final AvatarHashes cache = new AvatarHashes(store, online::contains);

    @Test
    void anOnlineAccountIsReadOnceUntilItsMetadataChanges() {
        online.add(ALICE);
        store.hashes.put(ALICE, "aaa");
        for (int i = 0; i < 100; i++) {
            assertThat(cache.get(ALICE)).isEqualTo("aaa");
        }
        assertThat(store.reads).hasValue(1);

        store.hashes.put(ALICE, "bbb");
        cache.invalidate(ALICE);
        assertThat(cache.get(ALICE)).isEqualTo("bbb");
        assertThat(cache.get(ALICE)).isEqualTo("bbb");
        assertThat(store.reads).hasValue(2);

        // No avatar at all is cached too, and so is a disabled one ("").
        store.hashes.remove(ALICE);
        cache.invalidate(ALICE);
        assertThat(cache.get(ALICE)).isNull();
        assertThat(cache.get(ALICE)).isNull();
        store.hashes.put(ALICE, "");
        cache.invalidate(ALICE);
        assertThat(cache.get(ALICE)).isEmpty();
        assertThat(cache.get(ALICE)).isEmpty();
        assertThat(store.reads).hasValue(4);
    }

    @Test
    void onlyAccountsOnlineHereAreKeptAndTheyGoWithTheirLastSession() {
        store.hashes.put(BOB, "b0b");
        assertThat(cache.get(BOB)).isEqualTo("b0b");
        assertThat(cache.get(BOB)).isEqualTo("b0b");
        assertThat(store.reads).hasValue(2);
        assertThat(cache.size()).isZero();

        online.add(BOB);
        cache.get(BOB);
        assertThat(cache.size()).isEqualTo(1);
        // Another session of bob ended, bob is still online: kept.
        cache.offline(BOB);
        assertThat(cache.size()).isEqualTo(1);
        online.remove(BOB);
        cache.offline(BOB);
        assertThat(cache.size()).isZero();
    }

    @Test
    void aChangeLandingWhileTheStoreIsReadIsNotLost() {
        online.add(ALICE);
        store.hashes.put(ALICE, "old");
        // The reader has read "old"; before it can keep it, a publish stores "new" and invalidates.
        store.duringRead = () -> {
            store.hashes.put(ALICE, "new");
            cache.invalidate(ALICE);
        };
        assertThat(cache.get(ALICE)).isEqualTo("old");
        assertThat(cache.get(ALICE)).isEqualTo("new");
        assertThat(store.reads).hasValue(2);
    }

    @Test
    void anAccountGoingOfflineWhileTheStoreIsReadLeavesNothingBehind() {
        online.add(ALICE);
        store.hashes.put(ALICE, "aaa");
        store.duringRead = () -> {
            online.remove(ALICE);
            cache.offline(ALICE);
        };
        assertThat(cache.get(ALICE)).isEqualTo("aaa");
        assertThat(cache.size()).isZero();
    }

    @Test
    void concurrentReadersSeeTheLastChangeOnceItIsDone() throws Exception {
        online.add(ALICE);
        store.hashes.put(ALICE, "v0");
        int readers = 4;
        int changes = 2_000;
        ExecutorService pool = Executors.newFixedThreadPool(readers);
        CountDownLatch done = new CountDownLatch(1);
        try {
            Future<?>[] running = new Future<?>[readers];
            for (int r = 0; r < readers; r++) {
                running[r] = pool.submit(() -> {
                    while (done.getCount() > 0) {
                        assertThat(cache.get(ALICE)).startsWith("v");
                    }
                });
            }
            for (int i = 1; i <= changes; i++) {
                store.hashes.put(ALICE, "v" + i);
                cache.invalidate(ALICE);
                // Once a change is done, every later read sees it.
                assertThat(cache.get(ALICE)).isEqualTo("v" + i);
            }
            done.countDown();
            for (Future<?> f : running) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            done.countDown();
            pool.shutdownNow();
        }
        assertThat(cache.get(ALICE)).isEqualTo("v" + changes);
    }
}
