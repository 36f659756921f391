package io.switchboard.muc;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.jid.Jid;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The per-user join window, its boundary, and the bounded work each join does. */
class JoinRateTest {

    /** computeIfAbsent, a queued start, and per swept entry a look at the queue's head and a removal. */
    static final long MAX_OPERATIONS_PER_JOIN = 2 + 2L * JoinRate.SWEEP_PER_JOIN;

    final AtomicLong now = new AtomicLong(1_000_000);
    final JoinRate rate = new JoinRate(3, now::get);

    static Jid user(int i) {
        return Jid.of("u" + i + "@example.test");
    }

    @Test
    void theLimitHoldsUpToTheWindowsEndAndAllowsAgainAfterIt() {
        // Four others open their windows first, so that alice's first window is still queued (not
        // yet forgotten) when her second one opens.
        for (int i = 1; i <= 4; i++) {
            assertThat(rate.admit(user(i))).isTrue();
        }
        Jid alice = user(0);
        for (int i = 0; i < 3; i++) {
            assertThat(rate.admit(alice)).as("join %d", i + 1).isTrue();
        }
        assertThat(rate.admit(alice)).isFalse();
        now.addAndGet(JoinRate.WINDOW_MILLIS);
        assertThat(rate.admit(alice)).as("at the window's last millisecond").isFalse();
        now.incrementAndGet();
        for (int i = 0; i < 3; i++) {
            assertThat(rate.admit(alice)).as("join %d of the next window", i + 1).isTrue();
        }
        // The sweep has met the entry of her first window and left her second one (and its count) alone.
        assertThat(rate.remembered()).isEqualTo(1);
        assertThat(rate.queued()).isEqualTo(1);
        assertThat(rate.admit(alice)).isFalse();
        now.addAndGet(JoinRate.WINDOW_MILLIS);
        assertThat(rate.admit(user(5))).isTrue();
        assertThat(rate.admit(alice)).as("at her second window's last millisecond").isFalse();
        now.incrementAndGet();
        assertThat(rate.admit(alice)).as("her third window").isTrue();
    }

    @Test
    void windowsOfOtherUsersDoNotCount() {
        for (int i = 0; i < 3; i++) {
            assertThat(rate.admit(user(0))).isTrue();
        }
        assertThat(rate.admit(user(0))).isFalse();
        assertThat(rate.admit(user(1))).isTrue();
    }

    @Test
    void eachJoinDoesBoundedWorkHoweverManyUsersJoinedAndEndedWindowsAreForgotten() {
        int users = 30_000;
        long maxPerJoin = 0;
        for (int i = 0; i < users; i++) {
            long before = rate.operations();
            assertThat(rate.admit(user(i))).isTrue();
            maxPerJoin = Math.max(maxPerJoin, rate.operations() - before);
            now.incrementAndGet();
        }
        assertThat(rate.remembered()).isEqualTo(users);
        // Past everyone's window: each further join forgets at most a few ended windows, never all of them.
        now.addAndGet(JoinRate.WINDOW_MILLIS + 1);
        int before = rate.remembered();
        long ops = rate.operations();
        assertThat(rate.admit(user(users))).isTrue();
        maxPerJoin = Math.max(maxPerJoin, rate.operations() - ops);
        assertThat(rate.remembered()).isEqualTo(before + 1 - JoinRate.SWEEP_PER_JOIN);
        int joins = 1;
        while (rate.remembered() > joins) {
            ops = rate.operations();
            assertThat(rate.admit(user(users + joins))).isTrue();
            maxPerJoin = Math.max(maxPerJoin, rate.operations() - ops);
            joins++;
            assertThat(joins).as("the ended windows are all forgotten within as many joins").isLessThanOrEqualTo(users);
        }
        assertThat(maxPerJoin).isLessThanOrEqualTo(MAX_OPERATIONS_PER_JOIN);
        // Only the windows opened after the jump are left (in the map and in the queue).
        assertThat(rate.remembered()).isEqualTo(joins);
        assertThat(rate.queued()).isEqualTo(joins);
        // The users whose windows were forgotten start afresh; those still remembered keep their count.
        assertThat(rate.admit(user(0))).isTrue();
        assertThat(rate.admit(user(users))).isTrue();
        assertThat(rate.admit(user(users))).isTrue();
        assertThat(rate.admit(user(users))).isFalse();
    }
}
