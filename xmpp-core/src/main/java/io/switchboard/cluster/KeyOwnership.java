package io.switchboard.cluster;

/** Decides which node owns a key (a MUC room, for instance). */
public interface KeyOwnership {
    NodeId ownerOf(String key);
}
