package io.switchboard.ext.mam;

import io.switchboard.handler.HandlerRegistry;
import io.switchboard.handler.IqKey;
import io.switchboard.handler.IqRequest;
import io.switchboard.jid.Jid;
import io.switchboard.jid.MalformedJidException;
import io.switchboard.routing.StanzaRouter;
import io.switchboard.stanza.Iq;
import io.switchboard.stanza.Stanza;
import io.switchboard.stanza.StanzaError;
import io.switchboard.stanza.StanzaException;
import io.switchboard.store.ArchivePage;
import io.switchboard.store.ArchivePreferences;
import io.switchboard.store.ArchivedMessage;
import io.switchboard.store.MessageArchive;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * XEP-0313 queries on the requester's own archive: the query form (with, start, end, and the
 * {@code #extended} before-id, after-id, ids), RSM paging (XEP-0059) with a server maximum,
 * flip-page, archive metadata, and preferences.
 */
public final class MamHandler {

    public static final String RSM = "http://jabber.org/protocol/rsm";
    public static final String FORWARD = "urn:xmpp:forward:0";
    public static final String EXTENDED = ArchiveService.MAM + "#extended";

    private final ArchiveService service;
    private final java.util.function.Supplier<StanzaRouter> router;
    private final int maxPage;
    private final int defaultPage;

    public MamHandler(ArchiveService service, java.util.function.Supplier<StanzaRouter> router, int maxPage) {
        this.service = service;
        this.router = router;
        this.maxPage = maxPage;
        this.defaultPage = Math.min(50, maxPage);
    }

    public void register(HandlerRegistry.Builder b) {
        b.account(IqKey.set(ArchiveService.MAM, "query"), this::query);
        b.account(IqKey.get(ArchiveService.MAM, "query"), this::form);
        b.account(IqKey.get(ArchiveService.MAM, "metadata"), this::metadata);
        b.account(IqKey.get(ArchiveService.MAM, "prefs"), this::getPrefs);
        b.account(IqKey.set(ArchiveService.MAM, "prefs"), this::setPrefs);
        b.accountFeature(ArchiveService.MAM).accountFeature(EXTENDED).accountFeature(ArchiveService.SID);
        b.serverFeature(ArchiveService.SID);
    }

    private static void ownerOnly(IqRequest req) throws StanzaException {
        if (!req.fromOwner()) {
            throw new StanzaException(StanzaError.forbidden("an archive can only be queried by its owner"));
        }
    }

    private Iq form(IqRequest req) throws StanzaException {
        ownerOnly(req);
        return req.iq().result(MamQueries.form());
    }

    private Iq query(IqRequest req) throws StanzaException {
        ownerOnly(req);
        Jid owner = req.target();
        MamQueries.Parsed p = MamQueries.parse(req.iq().payload(), defaultPage, maxPage);
        service.archiver().flush();
        ArchivePage page = service.archive().query(p.toQuery(owner, p.with() == null ? null : p.with().bare()));
        Jid requester = req.from();
        // Handled inside the worker's write batch: the page and its <fin/> leave as one write.
        for (ArchivedMessage a : MamQueries.ordered(page, p)) {
            XmlElement m = MamQueries.result(p.queryId(), a, owner, requester);
            if (m != null) {
                router.get().reply(req.session(), Stanza.trusted(m));
            }
        }
        return req.iq().result(MamQueries.fin(p.queryId(), page));
    }

    private Iq metadata(IqRequest req) throws StanzaException {
        ownerOnly(req);
        service.archiver().flush();
        MessageArchive a = service.archive();
        XmlElement.Builder md = XmlElement.builder(ArchiveService.MAM, "metadata");
        a.bounds(req.target()).ifPresent(b -> {
            md.child(XmlElement.builder(ArchiveService.MAM, "start").attr("id", ArchiveIds.format(b[0]))
                    .attr("timestamp", stamp(ArchiveIds.time(b[0]))).build());
            md.child(XmlElement.builder(ArchiveService.MAM, "end").attr("id", ArchiveIds.format(b[1]))
                    .attr("timestamp", stamp(ArchiveIds.time(b[1]))).build());
        });
        return req.iq().result(md.build());
    }

    private Iq getPrefs(IqRequest req) throws StanzaException {
        ownerOnly(req);
        return req.iq().result(prefsElement(service.preferences(req.target())));
    }

    private Iq setPrefs(IqRequest req) throws StanzaException {
        ownerOnly(req);
        XmlElement p = req.iq().payload();
        String def = p.attr("default");
        if (def == null || !(def.equals("always") || def.equals("never") || def.equals("roster"))) {
            throw new StanzaException(StanzaError.badRequest("default must be always, never or roster"));
        }
        ArchivePreferences prefs = new ArchivePreferences(def, jids(p.child(ArchiveService.MAM, "always")),
                jids(p.child(ArchiveService.MAM, "never")));
        service.setPreferences(req.target(), prefs);
        return req.iq().result(prefsElement(prefs));
    }

    private static Set<Jid> jids(XmlElement list) throws StanzaException {
        Set<Jid> out = new LinkedHashSet<>();
        if (list == null) {
            return out;
        }
        for (XmlElement j : list.elements(ArchiveService.MAM, "jid")) {
            try {
                out.add(Jid.of(j.text()).bare());
            } catch (MalformedJidException e) {
                throw new StanzaException(StanzaError.jidMalformed("invalid JID in preferences"));
            }
        }
        return out;
    }

    private static XmlElement prefsElement(ArchivePreferences p) {
        XmlElement.Builder always = XmlElement.builder(ArchiveService.MAM, "always");
        for (Jid j : p.always()) {
            always.textChild(ArchiveService.MAM, "jid", j.toString());
        }
        XmlElement.Builder never = XmlElement.builder(ArchiveService.MAM, "never");
        for (Jid j : p.never()) {
            never.textChild(ArchiveService.MAM, "jid", j.toString());
        }
        return XmlElement.builder(ArchiveService.MAM, "prefs").attr("default", p.defaultMode())
                .child(always.build()).child(never.build()).build();
    }

    static String stamp(Instant t) {
        return MamQueries.stamp(t);
    }
}
