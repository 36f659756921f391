package io.switchboard.muc;

import java.util.Locale;

/** A temporary position of an occupant within a room (XEP-0045 §5.1), highest first. */
public enum Role {
    MODERATOR(3), PARTICIPANT(2), VISITOR(1), NONE(0);

    private final int rank;

    Role(int rank) {
        this.rank = rank;
    }

    public int rank() {
        return rank;
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @return null for an unknown value */
    public static Role parse(String s) {
        if (s == null) {
            return null;
        }
        for (Role r : values()) {
            if (r.wire().equals(s)) {
                return r;
            }
        }
        return null;
    }
}
