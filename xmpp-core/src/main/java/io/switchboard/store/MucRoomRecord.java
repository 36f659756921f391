package io.switchboard.store;

import io.switchboard.jid.Jid;
import java.text.Normalizer;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;

/**
 * The persistent state of one group chat room (XEP-0045): what must survive a restart. Occupants,
 * roles and history do not (history lives in the room's archive).
 *
 * @param room         the room's bare JID ({@code room@conference.example.org})
 * @param config       the room configuration as {@code muc#roomconfig} field names (without the
 *                     {@code muc#roomconfig_} prefix) to values; multi-valued fields are joined with
 *                     commas. Opaque to storage.
 * @param affiliations bare JIDs to {@code owner}, {@code admin}, {@code member} or {@code outcast}
 * @param subject      the current subject, or null
 * @param subjectBy    the nick that set it, or null
 * @param created      when the room was created
 * @param nicks        registered (reserved) nicks (XEP-0045 §7.10): bare JIDs to nick; no two equal
 *                     under {@link #nickKey}
 */
public record MucRoomRecord(Jid room, Map<String, String> config, Map<Jid, String> affiliations, String subject,
                            String subjectBy, Instant created, Map<Jid, String> nicks) {

    public MucRoomRecord {
        config = Map.copyOf(config);
        affiliations = Map.copyOf(affiliations);
        nicks = Map.copyOf(nicks);
    }

    /** A room without registered nicks. */
    public MucRoomRecord(Jid room, Map<String, String> config, Map<Jid, String> affiliations, String subject,
                         String subjectBy, Instant created) {
        this(room, config, affiliations, subject, subjectBy, created, Map.of());
    }

    /**
     * The form under which two nicks count as the same reservation: Unicode compatibility
     * normalization (NFKC) and lower case, so "Anna", "ANNA" and "Ａｎｎａ" are one nick. The
     * room, the in-memory store and PostgreSQL (a unique index on it) all use this one definition.
     */
    public static String nickKey(String nick) {
        return Normalizer.normalize(nick, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
    }
}
