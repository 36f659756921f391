package io.switchboard.c2s;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** All open client streams, bound or not (for shutdown and status). */
public final class C2sStreams {

    private final Set<C2sStream> open = ConcurrentHashMap.newKeySet();

    void add(C2sStream s) {
        open.add(s);
    }

    void remove(C2sStream s) {
        open.remove(s);
    }

    public Set<C2sStream> all() {
        return Set.copyOf(open);
    }

    public int count() {
        return open.size();
    }
}
