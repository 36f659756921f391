package io.switchboard.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.jid.Jid;
import io.switchboard.store.Account;
import io.switchboard.store.ArchivePage;
import io.switchboard.store.ArchiveQuery;
import io.switchboard.store.ArchivedMessage;
import io.switchboard.store.MessageArchive;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The archive query latency measurement of docs/storage.md: one archive of a million messages
 * (fifty conversations), then the queries clients make, each repeated and timed through the port.
 * Not part of the test suite (its name does not end in Test); run it with
 * {@code mvn -B -pl storage -am test -Dtest=ArchiveMeasurement -Dsurefire.failIfNoSpecifiedTests=false}
 * and {@code -Darchive.messages=N} for another size. It checks every page it times (a measurement of
 * wrong answers is worth nothing) and prints the figures.
 */
@ExtendWith(SharedPostgres.class)
class ArchiveMeasurement {

    private static final int REPEAT = 200;

    @Test
    void queriesOnAMillionMessageArchive() throws Exception {
        int n = Integer.getInteger("archive.messages", 1_000_000);
        try (SharedPostgres.TestDatabase db = SharedPostgres.createEmptyDatabase();
             PostgresStorage storage = PostgresStorage.open(db.settings())) {
            Jid owner = Jid.of("big@archive.test");
            storage.users().create(new Account(owner, false, Instant.now(), Map.of()));
            long base = (Instant.parse("2025-01-01T00:00:00Z").toEpochMilli()) << 20;
            long fill = System.nanoTime();
            try (Connection c = DriverManager.getConnection(db.url(), SharedPostgres.user(), SharedPostgres.password());
                 Statement st = c.createStatement()) {
                // Ids one millisecond apart (as ArchiveIds assigns them), fifty conversations in turn.
                st.execute("insert into message_archive (owner, id, with_jid, outgoing, at, origin_id, stanza)"
                        + " select 'big@archive.test', " + base + " + (i::bigint << 20), 'contact' || (i % 50) || '@archive.test',"
                        + " i % 2 = 0, timestamptz '2025-01-01' + i * interval '1 millisecond', 'o' || i,"
                        + " '<message xmlns=''jabber:client'' type=''chat''><body>message number ' || i || '</body></message>'"
                        + " from generate_series(1, " + n + ") i");
                // As autovacuum leaves a table after inserts (PostgreSQL 13+ vacuums insert-only tables too).
                st.execute("vacuum analyze message_archive");
            }
            System.out.printf(Locale.ROOT, "filled %,d messages in %.1f s%n", n, (System.nanoTime() - fill) / 1e9);
            MessageArchive a = storage.archive();
            long mid = base + ((long) (n / 2) << 20);
            Jid with = Jid.of("contact7@archive.test");
            List<String> lines = new ArrayList<>();
            lines.add(time("first page (50), whole archive", i -> a.query(q(owner, null, null, null, 50, false)), 50));
            lines.add(time("last page (50), whole archive", i -> a.query(q(owner, null, null, null, 50, true)), 50));
            lines.add(time("page after an id in the middle", i -> a.query(q(owner, null, mid, null, 50, false)), 50));
            lines.add(time("page before an id in the middle", i -> a.query(q(owner, null, null, mid, 50, false)), 50));
            lines.add(time("last page of one conversation (with=)", i -> a.query(q(owner, with, null, null, 50, true)), 50));
            lines.add(time("page of one conversation after the middle", i -> a.query(q(owner, with, mid, null, 50, false)), 50));
            lines.add(time("one message by id (find)", i -> {
                ArchivedMessage m = a.find(owner, mid).orElseThrow();
                return new ArchivePage(List.of(m), true, 1);
            }, 1));
            lines.add(time("page by start/end time range (1 hour)", i -> a.query(new ArchiveQuery(owner, null, mid,
                    mid + (3_600_000L << 20), null, null, null, 50, false)), 50));
            System.out.println();
            System.out.printf(Locale.ROOT, "Archive of %,d messages, %d runs per query, through PostgresStorage:%n", n, REPEAT);
            System.out.println("| query | p50 ms | p99 ms | max ms |");
            System.out.println("|---|---|---|---|");
            lines.forEach(System.out::println);
        }
    }

    private static ArchiveQuery q(Jid owner, Jid with, Long after, Long before, int max, boolean last) {
        return new ArchiveQuery(owner, with, null, null, after, before, null, max, last);
    }

    private static String time(String what, LongFunction<ArchivePage> query, int expected) {
        for (int i = 0; i < 20; i++) {
            query.apply(i);
        }
        long[] nanos = new long[REPEAT];
        for (int i = 0; i < REPEAT; i++) {
            long t = System.nanoTime();
            ArchivePage p = query.apply(i);
            nanos[i] = System.nanoTime() - t;
            assertThat(p.messages()).as(what).hasSize(expected);
        }
        Arrays.sort(nanos);
        return String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f |", what, nanos[REPEAT / 2] / 1e6,
                nanos[REPEAT * 99 / 100] / 1e6, nanos[REPEAT - 1] / 1e6);
    }
}
