package io.switchboard.c2s;

/** Namespaces of SASL2 (XEP-0388), Bind2 (XEP-0386) and FAST (XEP-0484). */
final class Sasl2 {
    static final String NS = "urn:xmpp:sasl:2";
    static final String BIND = "urn:xmpp:bind:0";
    static final String FAST = "urn:xmpp:fast:0";

    private Sasl2() {
    }
}
