package io.switchboard.cluster;

import java.util.Set;

/** Which nodes form the cluster. */
public interface ClusterMembership {

    NodeId self();

    Set<NodeId> members();

    /** True on the longest-running member, which runs cluster-wide cleanup. */
    boolean isOldest();
}
