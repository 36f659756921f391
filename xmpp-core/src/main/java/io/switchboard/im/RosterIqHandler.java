package io.switchboard.im;

import io.switchboard.handler.IqHandler;
import io.switchboard.handler.IqRequest;
import io.switchboard.jid.Jid;
import io.switchboard.jid.MalformedJidException;
import io.switchboard.stanza.Iq;
import io.switchboard.stanza.StanzaError;
import io.switchboard.stanza.StanzaException;
import io.switchboard.store.RosterItem;
import io.switchboard.store.RosterSnapshot;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Roster get and set (RFC 6121 §2) with versioning (XEP-0237). Only the account itself may read or
 * change its roster; a set never changes subscription state (only {@code subscription='remove'}
 * has an effect).
 */
public final class RosterIqHandler implements IqHandler {

    private static final int MAX_NAME = 1023;
    private static final int MAX_GROUPS = 64;

    private final RosterService rosters;
    private final PresenceService presence;
    private final int maxItems;

    public RosterIqHandler(RosterService rosters, PresenceService presence, int maxItems) {
        this.rosters = rosters;
        this.presence = presence;
        this.maxItems = maxItems;
    }

    @Override
    public Iq handle(IqRequest req) throws StanzaException {
        if (!req.fromOwner()) {
            // security.md D4: nobody else may read or change a roster.
            throw new StanzaException(StanzaError.forbidden(null));
        }
        Iq iq = req.iq();
        return iq.type() == Iq.Type.GET ? get(req) : set(req);
    }

    private Iq get(IqRequest req) {
        Jid owner = req.target();
        if (req.session() != null) {
            req.session().setInterested();
        }
        RosterSnapshot snap = rosters.snapshot(owner);
        String clientVer = req.iq().payload().attr("ver");
        String ver = Long.toString(snap.version());
        if (clientVer != null && clientVer.equals(ver)) {
            // XEP-0237 §3: the client's copy is current; changes (none) would follow as pushes.
            return req.iq().result();
        }
        XmlElement.Builder q = XmlElement.builder(Ns.ROSTER, "query");
        if (clientVer != null) {
            q.attr("ver", ver);
        }
        for (RosterItem i : snap.items()) {
            if (i.visible()) {
                q.child(RosterService.itemElement(i));
            }
        }
        return req.iq().result(q.build());
    }

    private Iq set(IqRequest req) throws StanzaException {
        Jid owner = req.target();
        List<XmlElement> items = req.iq().payload().elements(Ns.ROSTER, "item");
        if (items.size() != 1) {
            throw new StanzaException(StanzaError.badRequest("a roster set carries exactly one item"));
        }
        XmlElement item = items.get(0);
        String jidAttr = item.attr("jid");
        if (jidAttr == null) {
            throw new StanzaException(StanzaError.badRequest("item without jid"));
        }
        Jid contact;
        try {
            contact = Jid.of(jidAttr);
        } catch (MalformedJidException e) {
            throw new StanzaException(StanzaError.jidMalformed("invalid jid in roster item"));
        }
        if (contact.hasResource()) {
            throw new StanzaException(StanzaError.badRequest("roster items are bare JIDs"));
        }
        if ("remove".equals(item.attr("subscription"))) {
            RosterService.Change c = rosters.update(owner, contact, existing -> null);
            if (c.before() == null || !c.before().visible()) {
                if (c.before() != null) {
                    presence.contactRemoved(owner, c.before());
                }
                throw new StanzaException(StanzaError.itemNotFound("no such contact"));
            }
            presence.contactRemoved(owner, c.before());
            return req.iq().result();
        }
        String name = item.attr("name");
        if (name != null && name.length() > MAX_NAME) {
            throw new StanzaException(StanzaError.notAcceptable("name too long"));
        }
        if (name != null && name.isEmpty()) {
            name = null;
        }
        Set<String> groups = new LinkedHashSet<>();
        List<XmlElement> groupElements = item.elements(Ns.ROSTER, "group");
        if (groupElements.size() > MAX_GROUPS) {
            throw new StanzaException(StanzaError.notAcceptable("too many groups"));
        }
        for (XmlElement g : groupElements) {
            String t = g.text();
            if (t.isEmpty()) {
                throw new StanzaException(StanzaError.notAcceptable("empty group name"));
            }
            if (t.length() > MAX_NAME) {
                throw new StanzaException(StanzaError.notAcceptable("group name too long"));
            }
            if (!groups.add(t)) {
                throw new StanzaException(StanzaError.badRequest("duplicate group"));
            }
        }
        if (rosters.item(owner, contact) == null && rosters.size(owner) >= maxItems) {
            throw new StanzaException(StanzaError.notAcceptable("the roster is full (" + maxItems + " contacts)"));
        }
        String finalName = name;
        List<String> finalGroups = new ArrayList<>(groups);
        rosters.update(owner, contact, existing -> {
            RosterItem base = existing == null ? RosterItem.of(contact) : existing.withVisible(true);
            return base.withName(finalName).withGroups(finalGroups);
        });
        return req.iq().result();
    }
}
