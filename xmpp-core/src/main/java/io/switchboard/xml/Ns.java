package io.switchboard.xml;

/** Namespace URIs used across the server. */
public final class Ns {
    public static final String XML = "http://www.w3.org/XML/1998/namespace";
    public static final String STREAMS = "http://etherx.jabber.org/streams";
    public static final String CLIENT = "jabber:client";
    public static final String SERVER = "jabber:server";
    public static final String COMPONENT_ACCEPT = "jabber:component:accept";
    public static final String STREAM_ERRORS = "urn:ietf:params:xml:ns:xmpp-streams";
    public static final String STANZA_ERRORS = "urn:ietf:params:xml:ns:xmpp-stanzas";
    public static final String TLS = "urn:ietf:params:xml:ns:xmpp-tls";
    public static final String SASL = "urn:ietf:params:xml:ns:xmpp-sasl";
    public static final String BIND = "urn:ietf:params:xml:ns:xmpp-bind";
    public static final String SESSION = "urn:ietf:params:xml:ns:xmpp-session";
    public static final String ROSTER = "jabber:iq:roster";
    public static final String ROSTER_VER_FEATURE = "urn:xmpp:features:rosterver";
    public static final String PRE_APPROVAL_FEATURE = "urn:xmpp:features:pre-approval";
    public static final String DISCO_INFO = "http://jabber.org/protocol/disco#info";
    public static final String DISCO_ITEMS = "http://jabber.org/protocol/disco#items";
    public static final String CAPS = "http://jabber.org/protocol/caps";
    public static final String PING = "urn:xmpp:ping";
    public static final String VERSION = "jabber:iq:version";
    public static final String LAST = "jabber:iq:last";
    public static final String TIME = "urn:xmpp:time";
    public static final String PRIVATE = "jabber:iq:private";
    public static final String REGISTER = "jabber:iq:register";
    public static final String REGISTER_FEATURE = "http://jabber.org/features/iq-register";
    public static final String DELAY = "urn:xmpp:delay";
    public static final String OFFLINE = "msgoffline";
    public static final String DATA_FORMS = "jabber:x:data";
    public static final String LIMITS = "urn:xmpp:stream-limits:0";
    public static final String SASL_CB = "urn:xmpp:sasl-cb:0";
    public static final String SASL_DOWNGRADE = "urn:xmpp:ssdp:0";
    public static final String CARBONS = "urn:xmpp:carbons:2";

    private Ns() {
    }
}
