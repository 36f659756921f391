package io.switchboard.cluster;

import io.switchboard.jid.Jid;

/**
 * Where a connected resource lives and what routing needs to know about it without asking that
 * node: its priority and whether it is available (has sent presence).
 */
public record Route(Jid full, NodeId node, int priority, boolean available) {
}
