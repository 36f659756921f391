package io.switchboard.session;

import io.switchboard.cluster.NodeId;
import io.switchboard.cluster.Route;
import io.switchboard.cluster.SessionDirectory;
import io.switchboard.jid.Jid;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sessions bound on this node, and their routes in the cluster-wide {@link SessionDirectory}.
 *
 * @implNote thread-safe; binding and unbinding of one account are serialized.
 */
public final class LocalSessions {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LocalSessions.class);

    private final SessionDirectory directory;
    private final NodeId self;
    private final ConcurrentHashMap<Jid, ClientSession> byFull = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Jid, List<ClientSession>> byBare = new ConcurrentHashMap<>();
    private final List<java.util.function.Consumer<ClientSession>> unbindListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Called after a session was removed (features drop their per-account caches when the last one goes). */
    public void onUnbind(java.util.function.Consumer<ClientSession> listener) {
        unbindListeners.add(listener);
    }

    private final List<java.util.function.Consumer<ClientSession>> bindListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * Runs after a session is bound, on the binding thread (a worker): where per-account caches
     * are loaded, so that handling the account's messages later needs no storage. A listener that
     * fails is logged and does not stop the bind.
     */
    public void onBind(java.util.function.Consumer<ClientSession> listener) {
        bindListeners.add(listener);
    }

    public LocalSessions(SessionDirectory directory, NodeId self) {
        this.directory = directory;
        this.self = self;
    }

    /**
     * Registers a newly bound session. The caller has made sure its full JID is free (or has closed
     * the session that held it).
     *
     * @return the session that held the same full JID before, which the caller must close, or null
     */
    public ClientSession bind(ClientSession s) {
        Jid bare = s.jid().bare();
        ClientSession[] replaced = new ClientSession[1];
        byBare.compute(bare, (k, list) -> {
            List<ClientSession> copy = list == null ? new ArrayList<>(1) : new ArrayList<>(list);
            for (ClientSession c : copy) {
                if (c.jid().equals(s.jid())) {
                    replaced[0] = c;
                }
            }
            copy.removeIf(c -> c.jid().equals(s.jid()));
            copy.add(s);
            byFull.put(s.jid(), s);
            return List.copyOf(copy);
        });
        directory.put(new Route(s.jid(), self, 0, false));
        for (var l : bindListeners) {
            try {
                l.accept(s);
            } catch (RuntimeException e) {
                LOG.warn("Loading the cached state of {} at bind failed: {}", s.jid(), e.toString());
            }
        }
        return replaced[0];
    }

    /** Removes a session (only if it is still the one registered under its JID). */
    public boolean unbind(ClientSession s) {
        boolean[] removed = new boolean[1];
        byBare.computeIfPresent(s.jid().bare(), (k, list) -> {
            List<ClientSession> copy = new ArrayList<>(list);
            removed[0] = copy.remove(s);
            if (removed[0]) {
                byFull.remove(s.jid(), s);
            }
            return copy.isEmpty() ? null : List.copyOf(copy);
        });
        if (removed[0] && !byFull.containsKey(s.jid())) {
            directory.remove(s.jid());
        }
        if (removed[0]) {
            for (var l : unbindListeners) {
                l.accept(s);
            }
        }
        return removed[0];
    }

    /** Publishes a session's availability and priority after a presence change. */
    public void updateRoute(ClientSession s) {
        if (byFull.get(s.jid()) == s) {
            directory.put(new Route(s.jid(), self, s.priority(), s.isAvailable()));
        }
    }

    public ClientSession get(Jid full) {
        return byFull.get(full);
    }

    /** Sessions of an account on this node. */
    public List<ClientSession> of(Jid bare) {
        List<ClientSession> l = byBare.get(bare);
        return l == null ? List.of() : l;
    }

    public boolean isOnline(Jid bare) {
        return byBare.containsKey(bare);
    }

    public Collection<ClientSession> all() {
        return byFull.values();
    }

    public int count() {
        return byFull.size();
    }

    public int accounts() {
        return byBare.size();
    }

    public NodeId node() {
        return self;
    }
}
