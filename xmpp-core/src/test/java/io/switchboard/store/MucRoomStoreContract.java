package io.switchboard.store;

import static org.assertj.core.api.Assertions.assertThat;

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
}
