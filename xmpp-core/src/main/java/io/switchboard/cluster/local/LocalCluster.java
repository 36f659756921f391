package io.switchboard.cluster.local;

import io.switchboard.cluster.ClusterMembership;
import io.switchboard.cluster.KeyOwnership;
import io.switchboard.cluster.NodeId;
import io.switchboard.cluster.NodeMessenger;
import io.switchboard.cluster.Route;
import io.switchboard.cluster.SessionDirectory;
import io.switchboard.jid.Jid;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * The single-node cluster: every port answered from this process.
 *
 * @implNote thread-safe.
 */
public final class LocalCluster implements SessionDirectory, ClusterMembership, NodeMessenger, KeyOwnership {

    private final NodeId self;
    private final ConcurrentHashMap<Jid, List<Route>> routes = new ConcurrentHashMap<>();

    public LocalCluster(NodeId self) {
        this.self = self;
    }

    @Override
    public void put(Route route) {
        routes.compute(route.full().bare(), (k, list) -> {
            List<Route> copy = list == null ? new ArrayList<>(1) : new ArrayList<>(list);
            copy.removeIf(r -> r.full().equals(route.full()));
            copy.add(route);
            return List.copyOf(copy);
        });
    }

    @Override
    public void remove(Jid full) {
        routes.computeIfPresent(full.bare(), (k, list) -> {
            List<Route> copy = new ArrayList<>(list);
            copy.removeIf(r -> r.full().equals(full));
            return copy.isEmpty() ? null : List.copyOf(copy);
        });
    }

    @Override
    public List<Route> routes(Jid bare) {
        List<Route> r = routes.get(bare);
        return r == null ? List.of() : r;
    }

    @Override
    public void removeAllOf(NodeId node) {
        routes.replaceAll((k, list) -> list.stream().filter(r -> !r.node().equals(node)).toList());
        routes.values().removeIf(List::isEmpty);
    }

    @Override
    public NodeId self() {
        return self;
    }

    @Override
    public Set<NodeId> members() {
        return Set.of(self);
    }

    @Override
    public boolean isOldest() {
        return true;
    }

    @Override
    public void send(NodeId node, byte[] stanza) {
        throw new IllegalStateException("single node: no node " + node);
    }

    @Override
    public void onReceive(BiConsumer<NodeId, byte[]> receiver) {
        // Nothing ever arrives from another node.
    }

    @Override
    public NodeId ownerOf(String key) {
        return self;
    }
}
