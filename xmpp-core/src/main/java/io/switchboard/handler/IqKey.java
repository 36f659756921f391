package io.switchboard.handler;

import io.switchboard.stanza.Iq;
import io.switchboard.xml.XmlName;

/** What an IQ handler answers: the payload's qualified name and the request type. */
public record IqKey(XmlName payload, Iq.Type type) {

    public static IqKey get(String ns, String local) {
        return new IqKey(XmlName.of(ns, local), Iq.Type.GET);
    }

    public static IqKey set(String ns, String local) {
        return new IqKey(XmlName.of(ns, local), Iq.Type.SET);
    }
}
