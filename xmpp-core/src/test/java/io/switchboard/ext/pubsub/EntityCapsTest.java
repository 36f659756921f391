package io.switchboard.ext.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.xml.XmlElement;
import io.switchboard.xml.XmlFragments;
import org.junit.jupiter.api.Test;

/** The verification string and hash of XEP-0115 §5, checked against the XEP's own examples. */
class EntityCapsTest {

    static final String SIMPLE = "<query xmlns='http://jabber.org/protocol/disco#info'>"
            + "<identity category='client' name='Exodus 0.9.1' type='pc'/>"
            + "<feature var='http://jabber.org/protocol/caps'/><feature var='http://jabber.org/protocol/disco#info'/>"
            + "<feature var='http://jabber.org/protocol/disco#items'/><feature var='http://jabber.org/protocol/muc'/></query>";

    static final String COMPLEX = "<query xmlns='http://jabber.org/protocol/disco#info'>"
            + "<identity xml:lang='en' category='client' name='Psi 0.11' type='pc'/>"
            + "<identity xml:lang='el' category='client' name='\u03a8 0.11' type='pc'/>"
            + "<feature var='http://jabber.org/protocol/caps'/><feature var='http://jabber.org/protocol/disco#info'/>"
            + "<feature var='http://jabber.org/protocol/disco#items'/><feature var='http://jabber.org/protocol/muc'/>"
            + "<x xmlns='jabber:x:data' type='result'>"
            + "<field var='FORM_TYPE' type='hidden'><value>urn:xmpp:dataforms:softwareinfo</value></field>"
            + "<field var='ip_version'><value>ipv4</value><value>ipv6</value></field>"
            + "<field var='os'><value>Mac</value></field><field var='os_version'><value>10.5.1</value></field>"
            + "<field var='software'><value>Psi</value></field><field var='software_version'><value>0.11</value></field>"
            + "</x></query>";

    static EntityCaps.Announcement caps(String ver) {
        return new EntityCaps.Announcement("sha-1", "http://example.test", ver);
    }

    @Test
    void theSimpleExampleVerifies() {
        XmlElement q = XmlFragments.parse(SIMPLE);
        assertThat(EntityCaps.verificationString(q)).isEqualTo("client/pc//Exodus 0.9.1<http://jabber.org/protocol/caps<"
                + "http://jabber.org/protocol/disco#info<http://jabber.org/protocol/disco#items<http://jabber.org/protocol/muc<");
        assertThat(EntityCaps.verify(caps("QgayPKawpkPSDYmwT/WM94uAlu0="), q)).isTrue();
        assertThat(EntityCaps.verify(caps("QgayPKawpkPSDYmwT/WM94uAlu1="), q)).isFalse();
        assertThat(EntityCaps.featuresOf(q)).contains("http://jabber.org/protocol/muc").hasSize(4);
    }

    @Test
    void theComplexExampleWithLanguagesAndFormsVerifies() {
        assertThat(EntityCaps.verify(caps("q07IKJEyjvHSyhy//CH0CxmKi8w="), XmlFragments.parse(COMPLEX))).isTrue();
    }

    @Test
    void duplicatesAndUnknownAlgorithmsAreNotTrusted() {
        XmlElement dup = XmlFragments.parse(SIMPLE.replace("</query>", "<feature var='http://jabber.org/protocol/muc'/></query>"));
        assertThat(EntityCaps.verificationString(dup)).isNull();
        assertThat(EntityCaps.verify(new EntityCaps.Announcement("md5", "n", "x"), XmlFragments.parse(SIMPLE))).isFalse();
        assertThat(EntityCaps.verify(new EntityCaps.Announcement(null, "n", "x"), XmlFragments.parse(SIMPLE))).isFalse();
    }

    @Test
    void theCacheIsBounded() {
        EntityCaps c = new EntityCaps(2);
        c.put(caps("a"), java.util.Set.of("x"));
        c.put(caps("b"), java.util.Set.of("y"));
        c.put(caps("c"), java.util.Set.of("z"));
        assertThat(c.size()).isEqualTo(2);
        assertThat(c.features(caps("a"))).isNull();
        assertThat(c.features(caps("c"))).containsExactly("z");
    }
}
