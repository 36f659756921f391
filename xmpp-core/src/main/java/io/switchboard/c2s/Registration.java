package io.switchboard.c2s;

import io.switchboard.account.AccountService;
import io.switchboard.jid.Jid;
import io.switchboard.stanza.Iq;
import io.switchboard.stanza.StanzaError;
import io.switchboard.stanza.StanzaException;
import io.switchboard.store.DuplicateAccountException;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In-band registration of new accounts (XEP-0077) before authentication, when the configuration
 * opens it, throttled per IP address.
 *
 * @implNote thread-safe.
 */
public final class Registration {

    private static final Logger LOG = LoggerFactory.getLogger(Registration.class);
    private static final long HOUR = Duration.ofHours(1).toNanos();

    private final AccountService accounts;
    private final int perIpPerHour;
    private final LongSupplier nanos;
    private final ConcurrentHashMap<String, Deque<Long>> recent = new ConcurrentHashMap<>();

    public Registration(AccountService accounts, int perIpPerHour, LongSupplier nanos) {
        this.accounts = accounts;
        this.perIpPerHour = perIpPerHour;
        this.nanos = nanos;
    }

    /** Answers a pre-authentication {@code jabber:iq:register} request from {@code ip}. */
    public Iq handle(Iq iq, String ip) throws StanzaException {
        XmlElement q = iq.payload();
        if (q == null || !q.is(Ns.REGISTER, "query")) {
            throw new StanzaException(StanzaError.serviceUnavailable(null));
        }
        if (iq.type() == Iq.Type.GET) {
            return iq.result(XmlElement.builder(Ns.REGISTER, "query")
                    .textChild("instructions", "Choose a user name and password for " + accounts.domain() + ".")
                    .emptyChild(Ns.REGISTER, "username").emptyChild(Ns.REGISTER, "password").build());
        }
        if (q.hasChild(Ns.REGISTER, "remove")) {
            throw new StanzaException(StanzaError.notAuthorized("log in to remove an account"));
        }
        String username = q.childText("username");
        String password = q.childText("password");
        if (username == null || username.isEmpty() || password == null || password.isEmpty()) {
            throw new StanzaException(StanzaError.notAcceptable("a user name and a password are required"));
        }
        Jid jid;
        try {
            jid = accounts.userJid(username);
            if (!jid.local().equals(username) && !username.contains("@")) {
                // The name was changed by PRECIS mapping (case, width): fine, it is what will log in.
                LOG.debug("Registration of '{}' maps to {}", username, jid);
            }
        } catch (IllegalArgumentException e) {
            throw new StanzaException(StanzaError.notAcceptable("invalid user name"));
        }
        if (!admit(ip)) {
            LOG.info("Registration from {} refused: more than {} accounts per hour", ip, perIpPerHour);
            throw new StanzaException(StanzaError.resourceConstraint("too many registrations from your address; try later"));
        }
        try {
            accounts.create(jid, password, false);
        } catch (DuplicateAccountException e) {
            throw new StanzaException(StanzaError.conflict("that user name is taken"));
        } catch (IllegalArgumentException e) {
            throw new StanzaException(StanzaError.notAcceptable("unacceptable password: " + e.getMessage()));
        }
        LOG.info("Registered {} from {}", jid, ip);
        return iq.result();
    }

    private boolean admit(String ip) {
        if (perIpPerHour == 0) {
            return true;
        }
        long now = nanos.getAsLong();
        Deque<Long> d = recent.computeIfAbsent(ip, k -> new ArrayDeque<>());
        synchronized (d) {
            while (!d.isEmpty() && now - d.peekFirst() > HOUR) {
                d.pollFirst();
            }
            if (d.size() >= perIpPerHour) {
                return false;
            }
            d.addLast(now);
            return true;
        }
    }
}
