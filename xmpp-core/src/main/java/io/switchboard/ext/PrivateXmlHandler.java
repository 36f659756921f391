package io.switchboard.ext;

import io.switchboard.handler.IqHandler;
import io.switchboard.handler.IqRequest;
import io.switchboard.stanza.Iq;
import io.switchboard.stanza.StanzaError;
import io.switchboard.stanza.StanzaException;
import io.switchboard.store.PrivateXmlStore;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import io.switchboard.xml.XmlFragments;
import io.switchboard.xml.XmlWriter;
import java.util.List;

/** Private XML storage (XEP-0049): one fragment per qualified name, readable only by its owner. */
public final class PrivateXmlHandler implements IqHandler {

    private final PrivateXmlStore store;
    private final long maxBytes;

    public PrivateXmlHandler(PrivateXmlStore store, long maxBytes) {
        this.store = store;
        this.maxBytes = maxBytes;
    }

    static String key(XmlElement e) {
        return e.ns() + " " + e.local();
    }

    @Override
    public Iq handle(IqRequest req) throws StanzaException {
        if (!req.fromOwner()) {
            throw new StanzaException(StanzaError.forbidden("private data belongs to its owner"));
        }
        List<XmlElement> children = req.iq().payload().elements();
        if (children.isEmpty()) {
            throw new StanzaException(StanzaError.badRequest("no element to store or retrieve"));
        }
        for (XmlElement c : children) {
            // XEP-0049 §3: the jabber:client and jabber:iq:private namespaces cannot be used.
            if (c.ns().isEmpty() || c.ns().equals(Ns.CLIENT) || c.ns().equals(Ns.PRIVATE) || c.ns().equals(Ns.SERVER)) {
                throw new StanzaException(StanzaError.notAcceptable("that namespace cannot be stored"));
            }
        }
        if (req.iq().type() == Iq.Type.GET) {
            if (children.size() != 1) {
                throw new StanzaException(StanzaError.badRequest("retrieve one element at a time"));
            }
            XmlElement asked = children.get(0);
            XmlElement stored = store.get(req.target(), key(asked)).map(XmlFragments::parse)
                    .orElse(XmlElement.empty(asked.ns(), asked.local()));
            return req.iq().result(XmlElement.builder(Ns.PRIVATE, "query").child(stored).build());
        }
        for (XmlElement c : children) {
            if (!store.put(req.target(), key(c), XmlWriter.toXml(c), maxBytes)) {
                throw new StanzaException(StanzaError.notAcceptable("private storage quota exceeded"));
            }
        }
        return req.iq().result();
    }
}
