package io.switchboard.ext.vcard;

import io.switchboard.handler.HandlerRegistry;
import io.switchboard.handler.IqKey;
import io.switchboard.handler.IqRequest;
import io.switchboard.stanza.Iq;
import io.switchboard.stanza.StanzaError;
import io.switchboard.stanza.StanzaException;
import io.switchboard.store.VCardStore;
import io.switchboard.xml.XmlElement;
import io.switchboard.xml.XmlFragments;
import io.switchboard.xml.XmlWriter;
import java.nio.charset.StandardCharsets;
import java.util.function.BiConsumer;

/**
 * vcard-temp (XEP-0054): anyone may read a user's vCard (blocked entities are stopped earlier by
 * the router), only the user may change it, within a size limit. Listeners hear about new vCards
 * (the avatar conversion of XEP-0398 uses it).
 */
public final class VCardHandler {

    public static final String NS = "vcard-temp";

    private final VCardStore store;
    private final long maxBytes;
    private volatile BiConsumer<io.switchboard.jid.Jid, XmlElement> onChange = (j, v) -> { };

    public VCardHandler(VCardStore store, long maxBytes) {
        this.store = store;
        this.maxBytes = maxBytes;
    }

    public void onChange(BiConsumer<io.switchboard.jid.Jid, XmlElement> listener) {
        this.onChange = listener;
    }

    public void register(HandlerRegistry.Builder b) {
        b.account(IqKey.get(NS, "vCard"), this::get);
        b.account(IqKey.set(NS, "vCard"), this::set);
        b.serverFeature(NS);
        b.server(IqKey.get(NS, "vCard"), req -> req.iq().result(XmlElement.builder(NS, "vCard")
                .textChild("FN", "Switchboard XMPP server").build()));
    }

    private Iq get(IqRequest req) {
        XmlElement v = store.get(req.target()).map(XmlFragments::parse).orElse(XmlElement.empty(NS, "vCard"));
        return req.iq().result(v);
    }

    private Iq set(IqRequest req) throws StanzaException {
        if (!req.fromOwner()) {
            throw new StanzaException(StanzaError.forbidden("only the owner may change a vCard"));
        }
        XmlElement v = req.iq().payload();
        String xml = XmlWriter.toXml(v);
        if (xml.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
            throw new StanzaException(StanzaError.notAcceptable("the vCard is larger than " + maxBytes + " bytes"));
        }
        store.put(req.target(), xml);
        onChange.accept(req.target(), v);
        return req.iq().result();
    }
}
