package io.switchboard.store.memory;

import io.switchboard.jid.Jid;
import io.switchboard.store.ArchivePage;
import io.switchboard.store.ArchiveQuery;
import io.switchboard.store.ArchivedMessage;
import io.switchboard.store.MessageArchive;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Message archives in memory, one sorted map per owner, optionally keeping only the newest
 * messages of each.
 *
 * @implNote thread-safe.
 */
public final class InMemoryArchive implements MessageArchive {

    private final Map<Jid, ConcurrentSkipListMap<Long, ArchivedMessage>> archives = new ConcurrentHashMap<>();
    /** Newest messages kept per archive; 0 keeps all. */
    private final int maxPerOwner;
    /** Messages per archive, counted only when {@link #maxPerOwner} bounds them (a skip list's size() is a walk). */
    private final Map<Jid, AtomicInteger> sizes = new ConcurrentHashMap<>();

    /** Keeps every message. */
    public InMemoryArchive() {
        this(0);
    }

    /** @param maxPerOwner newest messages kept per archive (older ones are dropped as new ones come); 0 keeps all */
    public InMemoryArchive(int maxPerOwner) {
        if (maxPerOwner < 0) {
            throw new IllegalArgumentException("maxPerOwner >= 0");
        }
        this.maxPerOwner = maxPerOwner;
    }

    private NavigableMap<Long, ArchivedMessage> of(Jid owner) {
        return archives.computeIfAbsent(owner, k -> new ConcurrentSkipListMap<>());
    }

    @Override
    public void append(List<ArchivedMessage> messages) {
        for (ArchivedMessage m : messages) {
            NavigableMap<Long, ArchivedMessage> all = of(m.owner());
            if (all.putIfAbsent(m.id(), m) == null && maxPerOwner > 0) {
                AtomicInteger n = sizes.computeIfAbsent(m.owner(), k -> new AtomicInteger());
                if (n.incrementAndGet() > maxPerOwner && all.pollFirstEntry() != null) {
                    n.decrementAndGet();
                }
            }
        }
    }

    @Override
    public ArchivePage query(ArchiveQuery q) {
        NavigableMap<Long, ArchivedMessage> all = archives.get(q.owner());
        if (all == null) {
            return new ArchivePage(List.of(), true, 0);
        }
        long lo = Long.MIN_VALUE;
        long hi = Long.MAX_VALUE;
        if (q.startId() != null) {
            lo = Math.max(lo, q.startId());
        }
        if (q.afterId() != null) {
            lo = Math.max(lo, q.afterId() + 1);
        }
        if (q.endId() != null) {
            hi = Math.min(hi, q.endId());
        }
        if (q.beforeId() != null) {
            hi = Math.min(hi, q.beforeId() - 1);
        }
        Set<Long> ids = q.ids() == null ? null : new HashSet<>(q.ids());
        List<ArchivedMessage> matching = new ArrayList<>();
        long count = 0;
        if (lo <= hi) {
            for (ArchivedMessage m : all.subMap(lo, true, hi, true).values()) {
                if (q.with() != null && !m.with().equals(q.with())) {
                    continue;
                }
                if (ids != null && !ids.contains(m.id())) {
                    continue;
                }
                matching.add(m);
                count++;
            }
        }
        boolean backwards = q.last() || (q.beforeId() != null && q.afterId() == null);
        List<ArchivedMessage> page;
        boolean complete;
        if (backwards) {
            int from = Math.max(0, matching.size() - q.max());
            page = matching.subList(from, matching.size());
            complete = from == 0;
        } else {
            page = matching.subList(0, Math.min(q.max(), matching.size()));
            complete = page.size() == matching.size();
        }
        return new ArchivePage(List.copyOf(page), complete, count);
    }

    @Override
    public Optional<ArchivedMessage> find(Jid owner, long id) {
        NavigableMap<Long, ArchivedMessage> all = archives.get(owner);
        return all == null ? Optional.empty() : Optional.ofNullable(all.get(id));
    }

    @Override
    public Optional<ArchivedMessage> findByOriginId(Jid owner, Jid with, String originId) {
        NavigableMap<Long, ArchivedMessage> all = archives.get(owner);
        if (all == null) {
            return Optional.empty();
        }
        for (ArchivedMessage m : all.descendingMap().values()) {
            if (originId.equals(m.originId()) && m.with().equals(with)) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    @Override
    public boolean replace(Jid owner, long id, String stanza) {
        NavigableMap<Long, ArchivedMessage> all = archives.get(owner);
        if (all == null) {
            return false;
        }
        return all.computeIfPresent(id, (k, m) -> new ArchivedMessage(m.owner(), m.id(), m.with(), m.outgoing(), m.at(),
                m.originId(), stanza)) != null;
    }

    @Override
    public long purgeBefore(Instant before) {
        long n = 0;
        for (var e : archives.entrySet()) {
            var it = e.getValue().values().iterator();
            AtomicInteger size = sizes.get(e.getKey());
            while (it.hasNext()) {
                if (it.next().at().isBefore(before)) {
                    it.remove();
                    n++;
                    if (size != null) {
                        size.decrementAndGet();
                    }
                }
            }
        }
        return n;
    }

    @Override
    public Optional<long[]> bounds(Jid owner) {
        NavigableMap<Long, ArchivedMessage> all = archives.get(owner);
        if (all == null || all.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new long[]{all.firstKey(), all.lastKey(), all.size()});
    }

    void deleteOwner(Jid owner) {
        archives.remove(owner);
        sizes.remove(owner);
    }
}
