package io.switchboard.ext.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The cache of verified caps hashes (the hash itself: {@code handler.CapsHashTest}). */
class EntityCapsTest {

    static final String SIMPLE = "<query xmlns='http://jabber.org/protocol/disco#info'>"
            + "<identity category='client' name='Exodus 0.9.1' type='pc'/>"
            + "<feature var='http://jabber.org/protocol/caps'/><feature var='http://jabber.org/protocol/disco#info'/>"
            + "<feature var='http://jabber.org/protocol/disco#items'/><feature var='http://jabber.org/protocol/muc'/></query>";

    static EntityCaps.Announcement caps(String ver) {
        return new EntityCaps.Announcement("sha-1", "http://example.test", ver);
    }

    @Test
    void anAnnouncementVerifiesAgainstItsAnswer() {
        var q = io.switchboard.xml.XmlFragments.parse(SIMPLE);
        assertThat(EntityCaps.verify(caps("QgayPKawpkPSDYmwT/WM94uAlu0="), q)).isTrue();
        assertThat(EntityCaps.verify(caps("QgayPKawpkPSDYmwT/WM94uAlu1="), q)).isFalse();
        assertThat(EntityCaps.verify(new EntityCaps.Announcement("md5", "n", "x"), q)).isFalse();
        assertThat(EntityCaps.verify(new EntityCaps.Announcement(null, "n", "x"), q)).isFalse();
        assertThat(EntityCaps.featuresOf(q)).contains("http://jabber.org/protocol/muc").hasSize(4);
    }

    @Test
    void theCacheIsBounded() {
        EntityCaps c = new EntityCaps(2);
        c.put(caps("a"), Set.of("x"));
        c.put(caps("b"), Set.of("y"));
        c.put(caps("c"), Set.of("z"));
        assertThat(c.size()).isEqualTo(2);
        assertThat(c.features(caps("a"))).isNull();
        assertThat(c.features(caps("c"))).containsExactly("z");
    }

    @Test
    void aHashLookedUpSinceTheLastSweepOutlivesOneThatWasNot() {
        EntityCaps c = new EntityCaps(3);
        c.put(caps("a"), Set.of("x"));
        c.put(caps("b"), Set.of("y"));
        c.put(caps("c"), Set.of("z"));
        c.put(caps("d"), Set.of("w")); // the sweep clears every bit and evicts the oldest: a
        assertThat(c.features(caps("a"))).isNull();
        assertThat(c.features(caps("b"))).containsExactly("y"); // b is in use again, c is not
        c.put(caps("e"), Set.of("v"));
        assertThat(c.features(caps("c"))).isNull();
        assertThat(c.features(caps("b"))).containsExactly("y");
        assertThat(c.features(caps("d"))).containsExactly("w");
        assertThat(c.features(caps("e"))).containsExactly("v");
        assertThat(c.size()).isEqualTo(3);
    }

    @Test
    void theFeaturesHandedOutCannotBeChanged() {
        EntityCaps c = new EntityCaps(2);
        c.put(caps("a"), new java.util.HashSet<>(Set.of("x")));
        Set<String> f = c.features(caps("a"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> f.add("y"))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    /**
     * A lookup does not wait for a writer: while one thread is stalled inside {@code put} (its
     * feature set is being copied and blocks until released), another looks a hash up and gets it.
     * With the former synchronized cache the lookup waited for the writer's monitor and this test
     * failed (the lookup never completed while the writer was held).
     */
    @Test
    void aLookupCompletesWhileAWriterIsStalledInsidePut() throws Exception {
        EntityCaps c = new EntityCaps(10);
        c.put(caps("known"), Set.of("urn:a+notify"));
        CountDownLatch writerInside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Set<String> slow = new AbstractSet<>() {
            @Override
            public Iterator<String> iterator() {
                writerInside.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return Set.of("urn:b+notify").iterator();
            }

            @Override
            public int size() {
                return 1;
            }
        };
        Thread writer = new Thread(() -> c.put(caps("new"), slow), "caps-writer");
        writer.start();
        try {
            assertThat(writerInside.await(30, TimeUnit.SECONDS)).as("the writer is inside put").isTrue();
            CompletableFuture<Set<String>> lookup = CompletableFuture.supplyAsync(() -> c.features(caps("known")));
            // Completes while the writer is still held: a generous bound, only so a regression fails instead of hanging.
            assertThat(lookup.get(30, TimeUnit.SECONDS)).containsExactly("urn:a+notify");
            assertThat(writer.isAlive()).as("the writer was still inside put").isTrue();
            assertThat(c.features(caps("new"))).isNull();
        } finally {
            release.countDown();
            writer.join();
        }
        assertThat(c.features(caps("new"))).containsExactly("urn:b+notify");
    }
}
