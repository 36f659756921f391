package io.switchboard.muc;

import java.util.Locale;

/** A long-lived relation between a bare JID and a room (XEP-0045 §5.2), highest first. */
public enum Affiliation {
    OWNER(4), ADMIN(3), MEMBER(2), NONE(1), OUTCAST(0);

    private final int rank;

    Affiliation(int rank) {
        this.rank = rank;
    }

    public int rank() {
        return rank;
    }

    public boolean atLeast(Affiliation other) {
        return rank >= other.rank;
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @return null for an unknown value */
    public static Affiliation parse(String s) {
        if (s == null) {
            return null;
        }
        for (Affiliation a : values()) {
            if (a.wire().equals(s)) {
                return a;
            }
        }
        return null;
    }
}
