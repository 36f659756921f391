package io.switchboard.cluster;

/** Identifies one server process in a cluster. */
public record NodeId(String value) {
    @Override
    public String toString() {
        return value;
    }
}
