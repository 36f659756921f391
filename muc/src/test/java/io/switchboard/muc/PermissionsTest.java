package io.switchboard.muc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The XEP-0045 permission matrix, row by row. */
class PermissionsTest {

    private static final String OK = "ok";

    private static String outcome(String condition) {
        return condition == null ? OK : condition;
    }

    @ParameterizedTest(name = "{0}/{1} sets role of {2}/{3} to {4}: {5}")
    @CsvSource({
            // actor role, actor affiliation, target role, target affiliation, new role, expected
            // Kick (§8.2)
            "MODERATOR,   NONE,   PARTICIPANT, NONE,   NONE,        ok",
            "MODERATOR,   NONE,   VISITOR,     NONE,   NONE,        ok",
            "MODERATOR,   ADMIN,  PARTICIPANT, MEMBER, NONE,        ok",
            "MODERATOR,   OWNER,  MODERATOR,   ADMIN,  NONE,        not-allowed",
            "MODERATOR,   ADMIN,  MODERATOR,   OWNER,  NONE,        not-allowed",
            "MODERATOR,   NONE,   MODERATOR,   NONE,   NONE,        not-allowed",
            "MODERATOR,   ADMIN,  MODERATOR,   NONE,   NONE,        ok",
            "MODERATOR,   NONE,   PARTICIPANT, MEMBER, NONE,        not-allowed",
            "PARTICIPANT, MEMBER, PARTICIPANT, NONE,   NONE,        forbidden",
            "VISITOR,     NONE,   PARTICIPANT, NONE,   NONE,        forbidden",
            // Voice (§8.3, §8.4)
            "MODERATOR,   NONE,   VISITOR,     NONE,   PARTICIPANT, ok",
            "MODERATOR,   NONE,   PARTICIPANT, NONE,   VISITOR,     ok",
            "MODERATOR,   MEMBER, PARTICIPANT, MEMBER, VISITOR,     ok",
            "MODERATOR,   OWNER,  MODERATOR,   ADMIN,  VISITOR,     not-allowed",
            "PARTICIPANT, OWNER,  VISITOR,     NONE,   PARTICIPANT, forbidden",
            // Moderator status (§9.6, §9.7)
            "MODERATOR,   ADMIN,  PARTICIPANT, NONE,   MODERATOR,   ok",
            "MODERATOR,   OWNER,  VISITOR,     NONE,   MODERATOR,   ok",
            "MODERATOR,   NONE,   PARTICIPANT, NONE,   MODERATOR,   forbidden",
            "MODERATOR,   MEMBER, PARTICIPANT, NONE,   MODERATOR,   forbidden",
            "MODERATOR,   ADMIN,  MODERATOR,   NONE,   PARTICIPANT, ok",
            "MODERATOR,   NONE,   MODERATOR,   NONE,   PARTICIPANT, forbidden",
            "MODERATOR,   OWNER,  MODERATOR,   ADMIN,  PARTICIPANT, not-allowed",
            "MODERATOR,   ADMIN,  MODERATOR,   OWNER,  PARTICIPANT, not-allowed",
            // SINT mucTestModeratorCannotBeRevokedFromHigherAffiliation: a plain moderator against an owner.
            "MODERATOR,   MEMBER, MODERATOR,   OWNER,  PARTICIPANT, not-allowed",
            "MODERATOR,   NONE,   MODERATOR,   ADMIN,  PARTICIPANT, not-allowed",
    })
    void roleChanges(Role actorRole, Affiliation actorAff, Role targetRole, Affiliation targetAff, Role to,
                     String expected) {
        assertThat(outcome(Permissions.roleChange(actorRole, actorAff, targetRole, targetAff, to))).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} changes {1} to {2}: {3}")
    @CsvSource({
            // actor, current, new, expected
            // Ban (§9.1)
            "ADMIN,  NONE,    OUTCAST, ok",
            "ADMIN,  MEMBER,  OUTCAST, ok",
            "ADMIN,  ADMIN,   OUTCAST, not-allowed",
            "ADMIN,  OWNER,   OUTCAST, not-allowed",
            "OWNER,  ADMIN,   OUTCAST, ok",
            "OWNER,  OWNER,   OUTCAST, ok",
            "MEMBER, NONE,    OUTCAST, forbidden",
            "NONE,   NONE,    OUTCAST, forbidden",
            // Membership (§9.3, §9.4)
            "ADMIN,  NONE,    MEMBER,  ok",
            "ADMIN,  MEMBER,  NONE,    ok",
            "ADMIN,  OUTCAST, NONE,    ok",
            "OWNER,  NONE,    MEMBER,  ok",
            "MEMBER, NONE,    MEMBER,  forbidden",
            "ADMIN,  ADMIN,   MEMBER,  not-allowed",
            // Admin and owner (§10.3-§10.7)
            "OWNER,  MEMBER,  ADMIN,   ok",
            "OWNER,  ADMIN,   MEMBER,  ok",
            "OWNER,  NONE,    OWNER,   ok",
            "OWNER,  OWNER,   ADMIN,   ok",
            "ADMIN,  MEMBER,  ADMIN,   forbidden",
            "ADMIN,  NONE,    OWNER,   forbidden",
            "ADMIN,  OWNER,   MEMBER,  not-allowed",
            "OUTCAST, NONE,   MEMBER,  forbidden",
    })
    void affiliationChanges(Affiliation actor, Affiliation from, Affiliation to, String expected) {
        assertThat(outcome(Permissions.affiliationChange(actor, from, to))).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} reads the {1} list (members listed for occupants: {2}): {3}")
    @CsvSource({
            "OWNER,  OWNER,   false, true",
            "ADMIN,  OWNER,   false, true",
            "MEMBER, OWNER,   true,  false",
            "ADMIN,  OUTCAST, false, true",
            "MEMBER, OUTCAST, true,  false",
            "ADMIN,  MEMBER,  false, true",
            "MEMBER, MEMBER,  true,  true",
            "MEMBER, MEMBER,  false, false",
            "NONE,   MEMBER,  false, false",
    })
    void lists(Affiliation actor, Affiliation list, boolean memberListPublic, boolean expected) {
        assertThat(Permissions.canReadAffiliationList(actor, list, memberListPublic)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"MODERATOR, true", "PARTICIPANT, false", "VISITOR, false"})
    void roleLists(Role actor, boolean expected) {
        assertThat(Permissions.canReadRoleList(actor)).isEqualTo(expected);
    }

}
