package io.switchboard.server;

import io.switchboard.account.AccountService;
import io.switchboard.handler.IqHandler;
import io.switchboard.handler.IqRequest;
import io.switchboard.jid.Jid;
import io.switchboard.stanza.Iq;
import io.switchboard.stanza.StanzaError;
import io.switchboard.stanza.StanzaException;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * XEP-0077 for a logged-in user: see the registration, change the password, remove the account.
 * Only the account itself may do any of it (security.md B10).
 */
final class AccountIqHandler implements IqHandler {

    private static final Logger LOG = LoggerFactory.getLogger(AccountIqHandler.class);

    private final AccountService accounts;

    AccountIqHandler(AccountService accounts) {
        this.accounts = accounts;
    }

    @Override
    public Iq handle(IqRequest req) throws StanzaException {
        Jid from = req.from();
        if (from == null || !from.hasLocal() || !from.domain().equals(accounts.domain())) {
            throw new StanzaException(StanzaError.forbidden(null));
        }
        if (req.target().hasLocal() && !req.fromOwner()) {
            throw new StanzaException(StanzaError.forbidden(null));
        }
        Jid user = from.bare();
        Iq iq = req.iq();
        XmlElement q = iq.payload();
        if (iq.type() == Iq.Type.GET) {
            return iq.result(XmlElement.builder(Ns.REGISTER, "query").emptyChild(Ns.REGISTER, "registered")
                    .textChild("username", user.local()).emptyChild(Ns.REGISTER, "password").build());
        }
        if (q.hasChild(Ns.REGISTER, "remove")) {
            // Answer first: removing the account closes its sessions.
            if (req.session() != null) {
                req.session().deliver(iq.result());
            }
            accounts.delete(user);
            LOG.info("Account {} removed by its owner", user);
            return null;
        }
        String username = q.childText("username");
        String password = q.childText("password");
        if (password == null || password.isEmpty()) {
            throw new StanzaException(StanzaError.badRequest("a password is required"));
        }
        if (username != null && !username.isEmpty()) {
            Jid named;
            try {
                named = accounts.userJid(username);
            } catch (IllegalArgumentException e) {
                throw new StanzaException(StanzaError.notAuthorized(null));
            }
            if (!named.equals(user)) {
                throw new StanzaException(StanzaError.notAuthorized("you can only change your own password"));
            }
        }
        try {
            accounts.changePassword(user, password);
        } catch (IllegalArgumentException e) {
            throw new StanzaException(StanzaError.notAcceptable("unacceptable password: " + e.getMessage()));
        }
        LOG.info("Password of {} changed by its owner", user);
        return iq.result();
    }
}
