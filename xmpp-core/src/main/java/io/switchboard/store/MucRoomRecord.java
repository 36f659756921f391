package io.switchboard.store;

import io.switchboard.jid.Jid;
import java.time.Instant;
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
 */
public record MucRoomRecord(Jid room, Map<String, String> config, Map<Jid, String> affiliations, String subject,
                            String subjectBy, Instant created) {

    public MucRoomRecord {
        config = Map.copyOf(config);
        affiliations = Map.copyOf(affiliations);
    }
}
