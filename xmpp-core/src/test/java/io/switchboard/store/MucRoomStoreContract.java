package io.switchboard.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.jid.Jid;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link MucRoomStore} must have (the in-memory one here, the PostgreSQL one
 * in {@code storage}). Rooms live on fresh service domains so that one database serves every test.
 */
public abstract class MucRoomStoreContract {

    protected abstract MucRoomStore rooms();

    private static String freshService() {
        return "conference-" + UUID.randomUUID().toString().replace("-", "").substring(0, 12) + ".contract.test";
    }

    private static MucRoomRecord room(Jid jid, String name, Map<Jid, String> affiliations, String subject) {
        return new MucRoomRecord(jid, Map.of("roomname", name, "membersonly", "1", "getmemberlist", "moderator,participant"),
                affiliations, subject, subject == null ? null : "Nick", Instant.now().truncatedTo(ChronoUnit.MILLIS));
    }

    @Test
    void savesLoadsReplacesAndDeletesARoom() {
        String service = freshService();
        Jid jid = Jid.of("lobby@" + service);
        Jid owner = Jid.of("owner@contract.test");
        Jid outcast = Jid.of("spammer@elsewhere.test");
        MucRoomRecord first = room(jid, "Lobby", Map.of(owner, "owner", outcast, "outcast"), null);
        rooms().save(first);
        assertThat(rooms().load(jid)).contains(first);

        MucRoomRecord second = room(jid, "Main hall \u00e9", Map.of(owner, "owner", Jid.of("m@contract.test"), "member"),
                "Today's \"topic\" <b>");
        rooms().save(second);
        MucRoomRecord loaded = rooms().load(jid).orElseThrow();
        assertThat(loaded.config()).isEqualTo(second.config());
        assertThat(loaded.affiliations()).isEqualTo(second.affiliations());
        assertThat(loaded.subject()).isEqualTo("Today's \"topic\" <b>");
        assertThat(loaded.subjectBy()).isEqualTo("Nick");
        assertThat(loaded.created()).isEqualTo(second.created());

        assertThat(rooms().delete(jid)).isTrue();
        assertThat(rooms().load(jid)).isEmpty();
        assertThat(rooms().delete(jid)).isFalse();
    }

    @Test
    void listsTheRoomsOfOneServiceOnly() {
        String service = freshService();
        String other = freshService();
        Jid owner = Jid.of("owner@contract.test");
        rooms().save(room(Jid.of("b@" + service), "B", Map.of(owner, "owner"), null));
        rooms().save(room(Jid.of("a@" + service), "A", Map.of(owner, "owner"), null));
        rooms().save(room(Jid.of("c@" + other), "C", Map.of(owner, "owner"), null));
        assertThat(rooms().list(service)).extracting(r -> r.room().toString())
                .containsExactly("a@" + service, "b@" + service);
        assertThat(rooms().list(other)).hasSize(1);
        assertThat(rooms().list(freshService())).isEmpty();
    }

    @Test
    void keepsRegisteredNicksAndRefusesOneNickForTwoUsers() {
        String service = freshService();
        Jid jid = Jid.of("club@" + service);
        Jid owner = Jid.of("owner@contract.test");
        Jid anna = Jid.of("anna@contract.test");
        Jid bert = Jid.of("bert@elsewhere.test");
        MucRoomRecord base = room(jid, "Club", Map.of(owner, "owner", anna, "member", bert, "member"), null);
        MucRoomRecord withNicks = new MucRoomRecord(jid, base.config(), base.affiliations(), null, null, base.created(),
                Map.of(anna, "Anna \u00e9", bert, "Bert"));
        rooms().save(withNicks);
        assertThat(rooms().load(jid).orElseThrow().nicks()).isEqualTo(Map.of(anna, "Anna \u00e9", bert, "Bert"));
        assertThat(rooms().list(service).get(0).nicks()).containsEntry(bert, "Bert");

        // Anna changes her nick, Bert unregisters: the saved room replaces the old reservations.
        MucRoomRecord changed = new MucRoomRecord(jid, base.config(), base.affiliations(), null, null, base.created(),
                Map.of(anna, "Annie"));
        rooms().save(changed);
        assertThat(rooms().load(jid).orElseThrow().nicks()).isEqualTo(Map.of(anna, "Annie"));

        // One nick (compared without case and width) for two users is refused; nothing changes.
        MucRoomRecord clash = new MucRoomRecord(jid, base.config(), base.affiliations(), null, null, base.created(),
                Map.of(anna, "Annie", bert, "\uff21NNIE"));
        assertThatThrownBy(() -> rooms().save(clash)).isInstanceOf(StorageException.class);
        assertThat(rooms().load(jid).orElseThrow().nicks()).isEqualTo(Map.of(anna, "Annie"));

        // The nicks go with the room.
        assertThat(rooms().delete(jid)).isTrue();
        rooms().save(room(jid, "Club", Map.of(owner, "owner"), null));
        assertThat(rooms().load(jid).orElseThrow().nicks()).isEmpty();
    }
}
