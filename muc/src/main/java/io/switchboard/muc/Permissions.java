package io.switchboard.muc;

/**
 * Who may change whose role or affiliation (XEP-0045 §5.1.2, §5.2.1, §8, §9, §10). Every method
 * returns the error condition to answer with, or null when the change is allowed:
 * {@code forbidden} when the actor lacks the privilege at all, {@code not-allowed} when the target
 * stands too high for this actor.
 */
public final class Permissions {

    public static final String FORBIDDEN = "forbidden";
    public static final String NOT_ALLOWED = "not-allowed";

    private Permissions() {
    }

    /**
     * A moderator (or admin/owner) changing an occupant's role: kick (none), revoke voice
     * (visitor), grant voice or revoke moderation (participant), grant moderation (moderator).
     */
    public static String roleChange(Role actorRole, Affiliation actorAff, Role targetRole, Affiliation targetAff,
                                    Role to) {
        if (actorRole != Role.MODERATOR) {
            return FORBIDDEN;
        }
        boolean actorAdmin = actorAff.atLeast(Affiliation.ADMIN);
        boolean targetAdmin = targetAff.atLeast(Affiliation.ADMIN);
        switch (to) {
            case MODERATOR -> {
                // §9.6: only admins and owners grant moderation.
                return actorAdmin ? null : FORBIDDEN;
            }
            case PARTICIPANT -> {
                if (targetRole == Role.MODERATOR) {
                    // §9.7: revoking moderation is for admins and owners, never against an admin or owner
                    // (not-allowed, whoever asks: the target stands too high).
                    if (targetAdmin) {
                        return NOT_ALLOWED;
                    }
                    return actorAdmin ? null : FORBIDDEN;
                }
                return null;
            }
            case VISITOR, NONE -> {
                // §8.2, §8.4: admins and owners cannot be kicked or silenced; a moderator cannot act on
                // an occupant whose affiliation is above its own.
                if (targetAdmin || targetAff.rank() > actorAff.rank() && targetAff != Affiliation.NONE) {
                    return NOT_ALLOWED;
                }
                if (targetRole == Role.MODERATOR && !actorAdmin) {
                    return NOT_ALLOWED;
                }
                return null;
            }
            default -> {
                return FORBIDDEN;
            }
        }
    }

    /** An actor (by affiliation) changing a JID's affiliation from {@code from} to {@code to}. */
    public static String affiliationChange(Affiliation actor, Affiliation from, Affiliation to) {
        if (actor == Affiliation.OWNER) {
            return null;
        }
        if (actor != Affiliation.ADMIN) {
            return FORBIDDEN;
        }
        // §10.6-10.9: granting or revoking admin and owner is for owners only.
        if (to.atLeast(Affiliation.ADMIN)) {
            return FORBIDDEN;
        }
        // §9.1: an admin cannot ban, demote or otherwise touch an admin or owner.
        if (from.atLeast(Affiliation.ADMIN)) {
            return NOT_ALLOWED;
        }
        return null;
    }

    /** Who may read a list (XEP-0045 §9.5, §9.8, §10.5, §10.8): the lists of a room by affiliation. */
    public static boolean canReadAffiliationList(Affiliation actor, Affiliation list, boolean memberListPublic) {
        return switch (list) {
            case OWNER, ADMIN -> actor.atLeast(Affiliation.ADMIN);
            case MEMBER -> actor.atLeast(Affiliation.ADMIN) || memberListPublic && actor == Affiliation.MEMBER;
            case OUTCAST -> actor.atLeast(Affiliation.ADMIN);
            case NONE -> false;
        };
    }

    /** Lists by role (moderators, participants, visitors) are for moderators. */
    public static boolean canReadRoleList(Role actor) {
        return actor == Role.MODERATOR;
    }
}
