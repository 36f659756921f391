package io.switchboard.ext.mam;

import io.switchboard.form.DataForm;
import io.switchboard.jid.Jid;
import io.switchboard.jid.MalformedJidException;
import io.switchboard.stanza.StanzaError;
import io.switchboard.stanza.StanzaException;
import io.switchboard.store.ArchivePage;
import io.switchboard.store.ArchiveQuery;
import io.switchboard.store.ArchivedMessage;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import io.switchboard.xml.XmlFragments;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a XEP-0313 query shared by every archive (a user's, a room's): reading the query
 * form and RSM paging (XEP-0059) into an {@link ArchiveQuery}, and writing results and the
 * {@code <fin/>}.
 */
public final class MamQueries {

    /**
     * A parsed query.
     *
     * @param with the {@code with} field as given (callers decide whether to take the bare JID)
     */
    public record Parsed(String queryId, Jid with, Long startId, Long endId, Long afterId, Long beforeId,
                         List<Long> ids, int max, boolean last, boolean flip) {

        public ArchiveQuery toQuery(Jid owner, Jid withFilter) {
            return new ArchiveQuery(owner, withFilter, startId, endId, afterId, beforeId, ids, max, last);
        }
    }

    private MamQueries() {
    }

    /** The query form (XEP-0313 §4.1.1 with the {@code #extended} fields). */
    public static XmlElement form() {
        XmlElement.Builder x = DataForm.form("form");
        x.child(DataForm.formTypeField(ArchiveService.MAM));
        for (String f : new String[]{"with", "start", "end", "before-id", "after-id"}) {
            x.child(DataForm.field(f, f.equals("with") ? "jid-single" : "text-single", null, (String) null));
        }
        x.child(DataForm.field("ids", "text-multi", null, (String) null));
        return XmlElement.builder(ArchiveService.MAM, "query").child(x.build()).build();
    }

    /**
     * Reads a {@code <query xmlns='urn:xmpp:mam:2'/>}.
     *
     * @throws StanzaException bad-request for unknown fields or malformed values, jid-malformed,
     *                         item-not-found for ids that are not ours
     */
    public static Parsed parse(XmlElement q, int defaultPage, int maxPage) throws StanzaException {
        String queryId = q.attr("queryid");
        Jid with = null;
        Long startId = null;
        Long endId = null;
        Long afterId = null;
        Long beforeId = null;
        List<Long> idList = null;
        XmlElement form = q.child(Ns.DATA_FORMS, "x");
        if (form != null) {
            for (DataForm.Field f : DataForm.fields(form)) {
                String var = f.var();
                List<String> values = f.values();
                String v = f.first();
                if (var == null || v == null || DataForm.FORM_TYPE.equals(var)) {
                    continue;
                }
                switch (var) {
                    case "with" -> {
                        try {
                            with = Jid.of(v);
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
        XmlElement set = q.child(MamHandler.RSM, "set");
        if (set != null) {
            String m = set.childText(MamHandler.RSM, "max");
            if (m != null) {
                try {
                    max = Math.max(0, Math.min(maxPage, Integer.parseInt(m.trim())));
                } catch (NumberFormatException e) {
                    throw new StanzaException(StanzaError.badRequest("invalid <max/>"));
                }
            }
            String a = set.childText(MamHandler.RSM, "after");
            if (a != null) {
                long v = id(a);
                afterId = afterId == null ? v : Math.max(afterId, v);
            }
            XmlElement b = set.child(MamHandler.RSM, "before");
            if (b != null) {
                if (b.text().isEmpty()) {
                    last = true;
                } else {
                    long v = id(b.text());
                    beforeId = beforeId == null ? v : Math.min(beforeId, v);
                }
            }
        }
        boolean flip = q.hasChild(ArchiveService.MAM, "flip-page");
        return new Parsed(queryId, with, startId, endId, afterId, beforeId, idList, max, last, flip);
    }

    /**
     * The {@code <message/>} carrying one result, or null when the stored stanza is unreadable.
     *
     * @param from the archive's JID (the user's bare JID or the room's)
     */
    public static XmlElement result(String queryId, ArchivedMessage a, Jid from, Jid to) {
        XmlElement stored;
        try {
            stored = XmlFragments.parse(a.stanza());
        } catch (IllegalArgumentException e) {
            return null;
        }
        XmlElement result = XmlElement.builder(ArchiveService.MAM, "result").attr("queryid", queryId)
                .attr("id", ArchiveIds.format(a.id()))
                .child(XmlElement.builder(MamHandler.FORWARD, "forwarded")
                        .child(XmlElement.builder(Ns.DELAY, "delay").attr("stamp", stamp(a.at())).build())
                        .child(stored).build())
                .build();
        return XmlElement.builder(Ns.CLIENT, "message").attr("to", to.toString()).attr("from", from.toString())
                .child(result).build();
    }

    /** The messages of a page in the order they are sent (reversed for {@code <flip-page/>}). */
    public static List<ArchivedMessage> ordered(ArchivePage page, Parsed p) {
        List<ArchivedMessage> msgs = new ArrayList<>(page.messages());
        if (p.flip()) {
            java.util.Collections.reverse(msgs);
        }
        return msgs;
    }

    /** The {@code <fin/>} closing a query, with its RSM set. */
    public static XmlElement fin(String queryId, ArchivePage page) {
        XmlElement.Builder rsm = XmlElement.builder(MamHandler.RSM, "set");
        if (!page.messages().isEmpty()) {
            rsm.textChild(MamHandler.RSM, "first", ArchiveIds.format(page.messages().get(0).id()));
            rsm.textChild(MamHandler.RSM, "last", ArchiveIds.format(page.messages().get(page.messages().size() - 1).id()));
        }
        if (page.count() >= 0) {
            rsm.textChild(MamHandler.RSM, "count", Long.toString(page.count()));
        }
        XmlElement.Builder fin = XmlElement.builder(ArchiveService.MAM, "fin").attr("queryid", queryId);
        if (page.complete()) {
            fin.attr("complete", "true");
        }
        fin.child(rsm.build());
        return fin.build();
    }

    static Instant time(String v) throws StanzaException {
        try {
            return OffsetDateTime.parse(v, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            throw new StanzaException(StanzaError.badRequest("invalid timestamp " + v));
        }
    }

    static long id(String v) throws StanzaException {
        long id = ArchiveIds.parse(v.trim());
        if (id < 0) {
            throw new StanzaException(StanzaError.itemNotFound("no such archive id"));
        }
        return id;
    }

    /** XEP-0082 timestamp with millisecond precision. */
    public static String stamp(Instant t) {
        return DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(ChronoUnit.MILLIS));
    }
}
