package io.switchboard.s2s;

import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlWriter;
import java.security.SecureRandom;
import java.util.Base64;

/** Names and small helpers shared by the inbound and outbound streams. */
final class S2s {

    static final String DIALBACK = "jabber:server:dialback";
    static final String DIALBACK_FEATURE = "urn:xmpp:features:dialback";
    private static final SecureRandom RANDOM = new SecureRandom();

    private S2s() {
    }

    /** The opening tag of a jabber:server stream. */
    static String header(String from, String to, String id) {
        StringBuilder sb = new StringBuilder(256);
        sb.append("<?xml version='1.0'?><stream:stream xmlns='").append(Ns.SERVER).append("' xmlns:stream='")
                .append(Ns.STREAMS).append("' xmlns:db='").append(DIALBACK).append('\'');
        if (from != null) {
            sb.append(" from='").append(XmlWriter.escapeAttr(from)).append('\'');
        }
        if (to != null) {
            sb.append(" to='").append(XmlWriter.escapeAttr(to)).append('\'');
        }
        if (id != null) {
            sb.append(" id='").append(id).append('\'');
        }
        sb.append(" version='1.0'>");
        return sb.toString();
    }

    static String newStreamId() {
        byte[] b = new byte[18];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
