package io.switchboard.cluster;

import io.switchboard.jid.Jid;
import java.util.List;

/**
 * Cluster-wide table of connected resources. The node that holds a session is the only writer of
 * its route. The local implementation is a map; a Hazelcast one shares it between nodes.
 *
 * @implNote thread-safe; reads are non-blocking.
 */
public interface SessionDirectory {

    /** Adds or replaces the route of {@code route.full()}. */
    void put(Route route);

    void remove(Jid full);

    /** Routes of every connected resource of the bare JID (empty when none). */
    List<Route> routes(Jid bare);

    /** Removes every route of a node that left the cluster. */
    void removeAllOf(NodeId node);
}
