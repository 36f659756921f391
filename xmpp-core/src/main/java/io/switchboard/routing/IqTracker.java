package io.switchboard.routing;

import io.switchboard.jid.Jid;
import io.switchboard.stanza.Iq;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * IQ requests the server itself sent, waiting for their answers. Answers are matched on both the
 * responder's address and the unpredictable id (security.md D6), so a third party cannot answer
 * in the responder's name.
 *
 * @implNote thread-safe.
 */
public final class IqTracker {

    private record Pending(Consumer<Iq> callback, ScheduledFuture<?> timeout) {
    }

    private final SecureRandom random = new SecureRandom();
    private final ScheduledExecutorService scheduler;
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();

    public IqTracker(ScheduledExecutorService scheduler) {
        this.scheduler = scheduler;
    }

    public String newId(String prefix) {
        byte[] b = new byte[12];
        random.nextBytes(b);
        return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /**
     * Remembers a request sent to {@code to} with {@code id}; {@code callback} gets the answer, or
     * null after {@code timeout}.
     */
    public void expect(Jid to, String id, Duration timeout, Consumer<Iq> callback) {
        String key = to + " " + id;
        ScheduledFuture<?> t = scheduler.schedule(() -> {
            Pending p = pending.remove(key);
            if (p != null) {
                p.callback.accept(null);
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        pending.put(key, new Pending(callback, t));
    }

    /** An answer arrived. @return true when it matched a request */
    public boolean complete(Iq answer) {
        if (answer.from() == null || answer.id() == null) {
            return false;
        }
        Pending p = pending.remove(answer.from() + " " + answer.id());
        if (p == null) {
            return false;
        }
        p.timeout.cancel(false);
        p.callback.accept(answer);
        return true;
    }

    public int size() {
        return pending.size();
    }
}
