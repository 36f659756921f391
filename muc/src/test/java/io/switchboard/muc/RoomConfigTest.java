package io.switchboard.muc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.stanza.StanzaException;
import io.switchboard.xml.XmlFragments;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The stored form of a room configuration, old records included, and the new fields of the form. */
class RoomConfigTest {

    @Test
    void aRoomStoredBeforeTheNewFieldsLoadsWithTheirDefaults() {
        RoomConfig c = RoomConfig.fromMap(Map.of("persistentroom", "1", "roomname", "Old"));
        assertThat(c.name()).isEqualTo("Old");
        assertThat(c.registration()).isEqualTo("anyone");
        assertThat(c.presenceBroadcast()).containsExactlyInAnyOrder(Role.MODERATOR, Role.PARTICIPANT, Role.VISITOR);
        assertThat(c.allowPm()).isEqualTo("anyone");
    }

    @Test
    void presenceBroadcastAndRegistrationAreSubmittedAndStored() throws StanzaException {
        RoomConfig c = RoomConfig.defaults(true, false).apply(XmlFragments.parse("<x xmlns='jabber:x:data' type='submit'>"
                + "<field var='muc#roomconfig_presencebroadcast'><value>moderator</value><value>none</value></field>"
                + "<field var='x-switchboard#roomconfig_registration'><value>members</value></field></x>")).config();
        assertThat(c.presenceBroadcast()).isEqualTo(Set.of(Role.MODERATOR));
        assertThat(c.registration()).isEqualTo("members");
        RoomConfig back = RoomConfig.fromMap(c.toMap());
        assertThat(back).isEqualTo(c);

        RoomConfig nobody = c.apply(XmlFragments.parse("<x xmlns='jabber:x:data' type='submit'>"
                + "<field var='muc#roomconfig_presencebroadcast'/></x>")).config();
        assertThat(RoomConfig.fromMap(nobody.toMap()).presenceBroadcast()).isEmpty();

        assertThatThrownBy(() -> c.apply(XmlFragments.parse("<x xmlns='jabber:x:data' type='submit'>"
                + "<field var='muc#roomconfig_presencebroadcast'><value>king</value></field></x>")))
                .isInstanceOf(StanzaException.class);
        assertThatThrownBy(() -> c.apply(XmlFragments.parse("<x xmlns='jabber:x:data' type='submit'>"
                + "<field var='x-switchboard#roomconfig_registration'><value>everybody</value></field></x>")))
                .isInstanceOf(StanzaException.class);

        // §9.9: registrations that wait for an admin's approval.
        RoomConfig vetted = c.apply(XmlFragments.parse("<x xmlns='jabber:x:data' type='submit'>"
                + "<field var='x-switchboard#roomconfig_registration'><value>approval</value></field></x>")).config();
        assertThat(vetted.registration()).isEqualTo("approval");
        assertThat(RoomConfig.fromMap(vetted.toMap()).registration()).isEqualTo("approval");
    }
}
