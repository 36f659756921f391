package io.switchboard.store.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.jid.Jid;
import io.switchboard.store.ArchiveQuery;
import io.switchboard.store.ArchivedMessage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class InMemoryArchiveTest {

    private static final Jid OWNER = Jid.of("owner@example.test");
    private static final Jid OTHER = Jid.of("other@example.test");

    private static ArchivedMessage message(Jid owner, long id) {
        return new ArchivedMessage(owner, id, Jid.of("peer@example.test"), true, Instant.ofEpochMilli(id), null,
                "<message xmlns='jabber:client'><body>" + id + "</body></message>");
    }

    private static List<Long> ids(InMemoryArchive a, Jid owner) {
        List<Long> out = new ArrayList<>();
        a.query(new ArchiveQuery(owner, null, null, null, null, null, null, 100, false)).messages()
                .forEach(m -> out.add(m.id()));
        return out;
    }

    @Test
    void aBoundedArchiveKeepsTheNewestMessagesOfEachOwner() {
        InMemoryArchive a = new InMemoryArchive(3);
        for (long id = 1; id <= 5; id++) {
            a.append(List.of(message(OWNER, id)));
        }
        a.append(List.of(message(OTHER, 10), message(OTHER, 11)));
        // A message appended twice (a retried batch) counts once.
        a.append(List.of(message(OWNER, 5)));
        assertThat(ids(a, OWNER)).containsExactly(3L, 4L, 5L);
        assertThat(ids(a, OTHER)).containsExactly(10L, 11L);
        assertThat(a.bounds(OWNER)).hasValueSatisfying(b -> assertThat(b).containsExactly(3, 5, 3));
        // After a purge the count follows: three new messages are all kept.
        assertThat(a.purgeBefore(Instant.ofEpochMilli(5))).isEqualTo(2);
        for (long id = 6; id <= 8; id++) {
            a.append(List.of(message(OWNER, id)));
        }
        assertThat(ids(a, OWNER)).containsExactly(6L, 7L, 8L);
    }

    @Test
    void anUnboundedArchiveKeepsEverything() {
        InMemoryArchive a = new InMemoryArchive();
        for (long id = 1; id <= 50; id++) {
            a.append(List.of(message(OWNER, id)));
        }
        assertThat(ids(a, OWNER)).hasSize(50);
    }
}
