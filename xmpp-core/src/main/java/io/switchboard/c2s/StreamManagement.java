package io.switchboard.c2s;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Stream management (XEP-0198): the resumption ids of sessions that may be resumed. An id is
 * 144 random bits and only the account that owns the session may resume it (security.md B9).
 *
 * @implNote thread-safe.
 */
public final class StreamManagement {

    public static final String NS = "urn:xmpp:sm:3";

    private final SecureRandom random = new SecureRandom();
    private final ConcurrentHashMap<String, C2sSession> byId = new ConcurrentHashMap<>();

    String register(C2sSession s) {
        byte[] b = new byte[18];
        random.nextBytes(b);
        String id = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        byId.put(id, s);
        return id;
    }

    C2sSession find(String id) {
        return id == null ? null : byId.get(id);
    }

    void remove(String id, C2sSession s) {
        byId.remove(id, s);
    }

    /** Sessions waiting for a resumption (for shutdown). */
    public java.util.List<C2sSession> detached() {
        return byId.values().stream().filter(C2sSession::isDetached).toList();
    }

    public int size() {
        return byId.size();
    }
}
