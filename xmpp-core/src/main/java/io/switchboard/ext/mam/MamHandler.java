package io.switchboard.ext.mam;

import io.switchboard.handler.HandlerRegistry;
import io.switchboard.handler.IqKey;
import io.switchboard.handler.IqRequest;
import io.switchboard.jid.Jid;
import io.switchboard.jid.MalformedJidException;
import io.switchboard.routing.StanzaRouter;
import io.switchboard.stanza.Iq;
import io.switchboard.stanza.Message;
import io.switchboard.stanza.Stanza;
import io.switchboard.stanza.StanzaError;
import io.switchboard.stanza.StanzaException;
import io.switchboard.store.ArchivePage;
import io.switchboard.store.ArchivePreferences;
import io.switchboard.store.ArchiveQuery;
import io.switchboard.store.ArchivedMessage;
import io.switchboard.store.MessageArchive;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import io.switchboard.xml.XmlFragments;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
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
        XmlElement.Builder x = XmlElement.builder(Ns.DATA_FORMS, "x").attr("type", "form");
        x.child(field("FORM_TYPE", "hidden", ArchiveService.MAM));
        for (String f : new String[]{"with", "start", "end", "before-id", "after-id"}) {
            x.child(XmlElement.builder(Ns.DATA_FORMS, "field").attr("var", f)
                    .attr("type", f.equals("with") ? "jid-single" : "text-single").build());
        }
        x.child(XmlElement.builder(Ns.DATA_FORMS, "field").attr("var", "ids").attr("type", "text-multi").build());
        return req.iq().result(XmlElement.builder(ArchiveService.MAM, "query").child(x.build()).build());
    }

    private static XmlElement field(String var, String type, String value) {
        XmlElement.Builder f = XmlElement.builder(Ns.DATA_FORMS, "field").attr("var", var).attr("type", type);
        f.textChild(Ns.DATA_FORMS, "value", value);
        return f.build();
    }

    private Iq query(IqRequest req) throws StanzaException {
        ownerOnly(req);
        Jid owner = req.target();
        XmlElement q = req.iq().payload();
        String queryId = q.attr("queryid");
        Jid with = null;
        Long startId = null;
        Long endId = null;
        Long afterId = null;
        Long beforeId = null;
        List<Long> idList = null;
        XmlElement form = q.child(Ns.DATA_FORMS, "x");
        if (form != null) {
            for (XmlElement f : form.elements(Ns.DATA_FORMS, "field")) {
                String var = f.attr("var");
                List<String> values = f.elements(Ns.DATA_FORMS, "value").stream().map(XmlElement::text).toList();
                String v = values.isEmpty() ? null : values.get(0);
                if (var == null || v == null || "FORM_TYPE".equals(var)) {
                    continue;
                }
                switch (var) {
                    case "with" -> {
                        try {
                            with = Jid.of(v).bare();
                        } catch (MalformedJidException e) {
                            throw new StanzaException(StanzaError.jidMalformed("invalid 'with'"));
                        }
                    }
                    case "start" -> startId = ArchiveIds.lowerBound(time(v));
                    case "end" -> endId = ArchiveIds.upperBound(time(v));
                    case "after-id" -> afterId = id(v);
                    case "before-id" -> beforeId = id(v);
                    case "ids" -> {
                        idList = new ArrayList<>();
                        for (String s : values) {
                            idList.add(id(s));
                        }
                    }
                    default -> throw new StanzaException(StanzaError.badRequest("unsupported field " + var));
                }
            }
        }
        int max = defaultPage;
        boolean last = false;
        XmlElement set = q.child(RSM, "set");
        if (set != null) {
            String m = set.childText(RSM, "max");
            if (m != null) {
                try {
                    max = Math.max(0, Math.min(maxPage, Integer.parseInt(m.trim())));
                } catch (NumberFormatException e) {
                    throw new StanzaException(StanzaError.badRequest("invalid <max/>"));
                }
            }
            String a = set.childText(RSM, "after");
            if (a != null) {
                long v = id(a);
                afterId = afterId == null ? v : Math.max(afterId, v);
            }
            XmlElement b = set.child(RSM, "before");
            if (b != null) {
                if (b.text().isEmpty()) {
                    last = true;
                } else {
                    long v = id(b.text());
                    beforeId = beforeId == null ? v : Math.min(beforeId, v);
                }
            }
        }
        service.archiver().flush();
        ArchivePage page = service.archive().query(new ArchiveQuery(owner, with, startId, endId, afterId, beforeId,
                idList, max, last));
        List<ArchivedMessage> msgs = new ArrayList<>(page.messages());
        boolean flip = q.hasChild(ArchiveService.MAM, "flip-page");
        if (flip) {
            java.util.Collections.reverse(msgs);
        }
        Jid requester = req.from();
        for (ArchivedMessage a : msgs) {
            XmlElement stored;
            try {
                stored = XmlFragments.parse(a.stanza());
            } catch (IllegalArgumentException e) {
                continue;
            }
            XmlElement result = XmlElement.builder(ArchiveService.MAM, "result").attr("queryid", queryId)
                    .attr("id", ArchiveIds.format(a.id()))
                    .child(XmlElement.builder(FORWARD, "forwarded")
                            .child(XmlElement.builder(Ns.DELAY, "delay").attr("stamp", stamp(a.at())).build())
                            .child(stored).build())
                    .build();
            Message m = (Message) Stanza.trusted(XmlElement.builder(Ns.CLIENT, "message")
                    .attr("to", requester.toString()).attr("from", owner.toString()).child(result).build());
            router.get().reply(req.session(), m);
        }
        XmlElement.Builder rsm = XmlElement.builder(RSM, "set");
        if (!page.messages().isEmpty()) {
            rsm.child(XmlElement.builder(RSM, "first").text(ArchiveIds.format(page.messages().get(0).id())).build());
            rsm.textChild(RSM, "last", ArchiveIds.format(page.messages().get(page.messages().size() - 1).id()));
        }
        if (page.count() >= 0) {
            rsm.textChild(RSM, "count", Long.toString(page.count()));
        }
        XmlElement.Builder fin = XmlElement.builder(ArchiveService.MAM, "fin").attr("queryid", queryId);
        if (page.complete()) {
            fin.attr("complete", "true");
        }
        fin.child(rsm.build());
        return req.iq().result(fin.build());
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

    private static Instant time(String v) throws StanzaException {
        try {
            return OffsetDateTime.parse(v, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            throw new StanzaException(StanzaError.badRequest("invalid timestamp " + v));
        }
    }

    private static long id(String v) throws StanzaException {
        long id = ArchiveIds.parse(v.trim());
        if (id < 0) {
            throw new StanzaException(StanzaError.itemNotFound("no such archive id"));
        }
        return id;
    }

    static String stamp(Instant t) {
        return DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(ChronoUnit.MILLIS));
    }
}
