package io.switchboard.routing;

import io.switchboard.cluster.NodeId;
import io.switchboard.stanza.Stanza;

/**
 * A service on its own domain (for instance {@code conference.example.org}) that receives every
 * stanza addressed to that domain or its JIDs.
 */
public interface Component {

    /** The component's domain. */
    String domain();

    /**
     * Takes a stanza addressed to this component. Called on the sender's worker; must not block for
     * long (hand work to the component's own executor).
     */
    void receive(Stanza stanza);

    /**
     * Takes a stanza that another cluster node forwarded because it decided that this node serves
     * it (for instance the node that owns a group chat room). By default the same as
     * {@link #receive}; a component that forwards must not forward such a stanza again.
     */
    default void fromNode(NodeId node, Stanza stanza) {
        receive(stanza);
    }
}
