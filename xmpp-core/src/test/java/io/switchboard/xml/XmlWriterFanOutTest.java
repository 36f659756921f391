package io.switchboard.xml;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Copies that differ only in attributes share their children's serialized bytes. */
class XmlWriterFanOutTest {

    private static final String STANZA = "<message xmlns='jabber:client' from='room@conference.example.test/nick' "
            + "type='groupchat' xml:lang='en'><body>caf\u00e9 &amp; &lt;tea&gt;</body>"
            + "<stanza-id xmlns='urn:xmpp:sid:0' id='abc' by='room@conference.example.test'/>"
            + "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/></x></message>";

    @Test
    void aCopyWithAnotherAddressIsWrittenLikeAFreshSerialization() {
        XmlElement original = XmlFragments.parse(STANZA);
        XmlElement a = original.withAttr("to", "alice@example.test/phone");
        XmlElement b = original.withAttr("to", "bob@example.test/x'y");
        for (XmlElement e : new XmlElement[]{a, b, a.withAttr("id", "i&1")}) {
            String fresh = XmlWriter.toStreamString(XmlFragments.parse(XmlWriter.toXml(e)), Ns.CLIENT);
            assertThat(new String(XmlWriter.c2sBytes(e), StandardCharsets.UTF_8)).isEqualTo(fresh);
        }
        assertThat(a.sharedContent()).isNotNull().isSameAs(b.sharedContent());
        assertThat(a.sharedContent().c2sInner).isNotNull();
    }

    @Test
    void namespacedAttributesTakeTheGeneralPath() {
        XmlElement original = XmlFragments.parse("<iq xmlns='jabber:client' type='get' id='1'><ping xmlns='urn:xmpp:ping'/></iq>");
        XmlElement copy = original.withAttr(XmlName.of("urn:example", "extra"), "v");
        String fresh = XmlWriter.toStreamString(copy, Ns.CLIENT);
        assertThat(new String(XmlWriter.c2sBytes(copy), StandardCharsets.UTF_8)).isEqualTo(fresh);
    }
}
