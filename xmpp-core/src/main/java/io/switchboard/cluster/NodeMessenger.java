package io.switchboard.cluster;

import java.util.function.BiConsumer;

/**
 * Carries stanzas to the node that holds the recipient's session. Fire-and-forget, in order per
 * sending node.
 */
public interface NodeMessenger {

    /**
     * Sends a serialized stanza addressed to a session on {@code node}, or to a component that
     * {@code node} serves (a group chat room it owns).
     */
    void send(NodeId node, byte[] stanza);

    /** Registers the receiver of stanzas from other nodes (sender node, serialized stanza). */
    void onReceive(BiConsumer<NodeId, byte[]> receiver);
}
