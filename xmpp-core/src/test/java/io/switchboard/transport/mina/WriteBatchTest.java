package io.switchboard.transport.mina;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.xml.XmlLimits;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.filterchain.IoFilterAdapter;
import org.apache.mina.core.session.DummySession;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.core.write.WriteRequest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The writes of one batch (one read's elements) leave each connection as one write, in the order
 * of the write calls, whoever makes them; outside a batch every write leaves at once.
 */
class WriteBatchTest {

    /** What reached the session's filter chain, one entry per session.write. */
    private final List<String> written = new CopyOnWriteArrayList<>();
    private MinaConnection conn;

    @BeforeEach
    void connection() {
        DummySession session = new DummySession();
        session.getFilterChain().addFirst("capture", new IoFilterAdapter() {
            @Override
            public void filterWrite(NextFilter next, IoSession s, WriteRequest request) {
                IoBuffer b = (IoBuffer) request.getMessage();
                written.add(new String(b.array(), b.arrayOffset() + b.position(), b.remaining(), StandardCharsets.UTF_8));
                next.filterWrite(s, request);
            }
        });
        conn = new MinaConnection(session, null, XmlLimits.c2sDefaults(), 1 << 20, false, null);
    }

    private void write(String s) {
        conn.write(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void outsideABatchEveryWriteLeavesAtOnce() {
        write("<a/>");
        write("<b/>");
        assertThat(written).containsExactly("<a/>", "<b/>");
    }

    @Test
    void theWritesOfABatchLeaveTogetherInOrderWhenItEnds() {
        WriteBatch batch = WriteBatch.begin();
        write("<a/>");
        write("<b/>");
        write("<c/>");
        assertThat(written).isEmpty();
        batch.end();
        assertThat(written).containsExactly("<a/><b/><c/>");
        // The batch is over: the next write leaves at once.
        write("<d/>");
        assertThat(written).containsExactly("<a/><b/><c/>", "<d/>");
    }

    @Test
    void anotherThreadsWriteToACorkedConnectionWaitsInItsPlace() throws Exception {
        WriteBatch batch = WriteBatch.begin();
        write("<first/>");
        CountDownLatch done = new CountDownLatch(1);
        Thread other = new Thread(() -> {
            write("<from-elsewhere/>");
            done.countDown();
        });
        other.start();
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        // Held behind the batch's first write, not sent ahead of it.
        assertThat(written).isEmpty();
        write("<last/>");
        batch.end();
        assertThat(written).containsExactly("<first/><from-elsewhere/><last/>");
    }

    @Test
    void aNestedBeginJoinsTheOuterBatch() {
        WriteBatch outer = WriteBatch.begin();
        assertThat(WriteBatch.begin()).isNull();
        write("<a/>");
        outer.end();
        assertThat(written).containsExactly("<a/>");
        assertThat(WriteBatch.current()).isNull();
    }

    @Test
    void heldBytesPastTheLimitLeaveWithoutWaitingForTheEnd() {
        WriteBatch batch = WriteBatch.begin();
        String big = "<m>" + "x".repeat(MinaConnection.CORK_FLUSH_BYTES) + "</m>";
        write("<a/>");
        write(big);
        assertThat(written).containsExactly("<a/>" + big);
        write("<b/>");
        batch.end();
        assertThat(written).containsExactly("<a/>" + big, "<b/>");
    }

    @Test
    void closingInsideABatchSendsWhatWasHeldFirstAndDropsLaterWrites() {
        WriteBatch batch = WriteBatch.begin();
        write("<error/>");
        conn.close();
        assertThat(written).containsExactly("<error/>");
        write("<too-late/>");
        batch.end();
        assertThat(written).containsExactly("<error/>");
    }
}
