package io.switchboard.ext.pubsub;

import io.switchboard.handler.CapsHash;
import io.switchboard.handler.Identity;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.util.HashSet;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentMap;

/**
 * Entity capabilities (XEP-0115): a bounded cache from verified 'ver' hashes to feature sets, shared
 * by every session that announces them. The hash itself is {@link CapsHash}'s.
 *
 * @implNote thread-safe; a lookup takes no lock (a concurrent map of immutable sets), so the
 * notifications of many publishers never queue on the cache. When full, a second-chance (clock)
 * sweep evicts an entry not looked up since the sweep last passed it: near least-recently-used,
 * without the reordering on every read that a {@code LinkedHashMap} in access order needs.
 */
final class EntityCaps {

    /**
     * A caps announcement of a presence: {@code <c hash node ver/>}; hash null for legacy caps.
     *
     * @param key the cache key of hash and ver
     */
    record Announcement(String hash, String node, String ver, String key) {

        Announcement(String hash, String node, String ver) {
            this(hash, node, ver, hash + " " + ver);
        }

        /** The announcement in a presence stanza, or null. */
        static Announcement of(XmlElement presence) {
            XmlElement c = presence == null ? null : presence.child(Ns.CAPS, "c");
            if (c == null || c.attr("ver") == null || c.attr("node") == null) {
                return null;
            }
            return new Announcement(c.attr("hash"), c.attr("node"), c.attr("ver"));
        }
    }

    /** A verified hash's features; {@code used} is the clock sweep's reference bit. */
    private static final class Entry {
        final Set<String> features;
        volatile boolean used = true;

        Entry(Set<String> features) {
            this.features = features;
        }
    }

    private final int capacity;
    private final ConcurrentMap<String, Entry> verified = new ConcurrentHashMap<>();
    /** The keys of {@link #verified} in sweep order, each once. */
    private final Queue<String> sweep = new ConcurrentLinkedQueue<>();

    EntityCaps(int capacity) {
        this.capacity = capacity;
    }

    /** The features of a verified hash (immutable), or null when unknown. Takes no lock. */
    Set<String> features(Announcement a) {
        Entry e = verified.get(a.key());
        if (e == null) {
            return null;
        }
        if (!e.used) {
            e.used = true;
        }
        return e.features;
    }

    void put(Announcement a, Set<String> features) {
        Entry e = new Entry(Set.copyOf(features));
        if (verified.put(a.key(), e) == null) {
            sweep.add(a.key());
        }
        // Each key is visited at most twice: once to clear its bit, once to evict it.
        for (int budget = 2 * capacity + 2; verified.size() > capacity && budget > 0; budget--) {
            String k = sweep.poll();
            if (k == null) {
                return;
            }
            Entry old = verified.get(k);
            if (old == null) {
                continue; // gone meanwhile; whoever puts it again queues it again
            }
            if (old.used) {
                old.used = false;
                sweep.add(k);
            } else if (!verified.remove(k, old)) {
                sweep.add(k); // replaced meanwhile: the key stays, so does its place in the sweep
            }
        }
    }

    int size() {
        return verified.size();
    }

    /** Whether {@code a}'s hash matches the disco#info {@code query} (false for unknown algorithms or ill-formed answers). */
    static boolean verify(Announcement a, XmlElement query) {
        return CapsHash.matches(a.hash(), a.ver(), query);
    }

    /** The features of a disco#info answer (immutable). */
    static Set<String> featuresOf(XmlElement query) {
        Set<String> out = new HashSet<>();
        for (XmlElement f : query.elements(Ns.DISCO_INFO, "feature")) {
            if (f.attr("var") != null) {
                out.add(f.attr("var"));
            }
        }
        return Set.copyOf(out);
    }

    static Identity pep() {
        return new Identity("pubsub", "pep", null);
    }
}
