/**
 * Cluster ports: the session directory, membership, node-to-node messaging and key ownership. A
 * single node uses {@code cluster.local}; a Hazelcast implementation plugs in behind the same
 * interfaces without changes to the router.
 */
package io.switchboard.cluster;
