package io.switchboard.handler;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import io.switchboard.xml.XmlFragments;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one XEP-0115 verification string, against the XEP's own generation examples (§5.2, §5.3). */
class CapsHashTest {

    /** §5.2, the simple generation example. */
    static final String SIMPLE = "<query xmlns='http://jabber.org/protocol/disco#info'>"
            + "<identity category='client' name='Exodus 0.9.1' type='pc'/>"
            + "<feature var='http://jabber.org/protocol/caps'/><feature var='http://jabber.org/protocol/disco#info'/>"
            + "<feature var='http://jabber.org/protocol/disco#items'/><feature var='http://jabber.org/protocol/muc'/></query>";

    /** §5.3, the complex generation example: two languages and an extended form (in the XEP's shuffled order). */
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

    @Test
    void theSimpleExample() {
        String s = CapsHash.verificationString(XmlFragments.parse(SIMPLE));
        assertThat(s).isEqualTo("client/pc//Exodus 0.9.1<http://jabber.org/protocol/caps<"
                + "http://jabber.org/protocol/disco#info<http://jabber.org/protocol/disco#items<http://jabber.org/protocol/muc<");
        assertThat(CapsHash.hash("sha-1", s)).isEqualTo("QgayPKawpkPSDYmwT/WM94uAlu0=");
        assertThat(CapsHash.matches("sha-1", "QgayPKawpkPSDYmwT/WM94uAlu0=", XmlFragments.parse(SIMPLE))).isTrue();
    }

    @Test
    void theComplexExample() {
        String s = CapsHash.verificationString(XmlFragments.parse(COMPLEX));
        assertThat(s).isEqualTo("client/pc/el/\u03a8 0.11<client/pc/en/Psi 0.11<http://jabber.org/protocol/caps<"
                + "http://jabber.org/protocol/disco#info<http://jabber.org/protocol/disco#items<"
                + "http://jabber.org/protocol/muc<urn:xmpp:dataforms:softwareinfo<ip_version<ipv4<ipv6<os<Mac<"
                + "os_version<10.5.1<software<Psi<software_version<0.11<");
        assertThat(CapsHash.hash("sha-1", s)).isEqualTo("q07IKJEyjvHSyhy//CH0CxmKi8w=");
    }

    @Test
    void illFormedAnswersHaveNoString() {
        // §5.4: a repeated feature, a repeated identity, two forms of one FORM_TYPE, a FORM_TYPE with two values.
        assertThat(CapsHash.verificationString(XmlFragments.parse(
                SIMPLE.replace("</query>", "<feature var='http://jabber.org/protocol/muc'/></query>")))).isNull();
        assertThat(CapsHash.verificationString(XmlFragments.parse(
                SIMPLE.replace("</query>", "<identity category='client' name='Exodus 0.9.1' type='pc'/></query>")))).isNull();
        String form = COMPLEX.substring(COMPLEX.indexOf("<x "), COMPLEX.indexOf("</query>"));
        assertThat(CapsHash.verificationString(XmlFragments.parse(COMPLEX.replace("</query>", form + "</query>"))))
                .isNull();
        assertThat(CapsHash.verificationString(XmlFragments.parse(COMPLEX.replace(
                "<value>urn:xmpp:dataforms:softwareinfo</value>",
                "<value>urn:xmpp:dataforms:softwareinfo</value><value>urn:other</value>")))).isNull();
        // A form without FORM_TYPE is left out, not fatal.
        assertThat(CapsHash.verificationString(XmlFragments.parse(SIMPLE.replace("</query>",
                "<x xmlns='jabber:x:data' type='result'><field var='a'><value>b</value></field></x></query>"))))
                .isEqualTo(CapsHash.verificationString(XmlFragments.parse(SIMPLE)));
    }

    @Test
    void unknownAlgorithmsHaveNoHash() {
        assertThat(CapsHash.hash("md5", "x")).isNull();
        assertThat(CapsHash.hash(null, "x")).isNull();
        assertThat(CapsHash.matches(null, "QgayPKawpkPSDYmwT/WM94uAlu0=", XmlFragments.parse(SIMPLE))).isFalse();
        assertThat(CapsHash.hash("sha-256", "")).isEqualTo("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    }

    @Test
    void theServersVerIsTheHashOfItsOwnDiscoInfoAnswer() {
        HandlerRegistry registry = HandlerRegistry.builder().serverIdentity(new Identity("server", "im", "Switchboard"))
                .serverFeature(Ns.DISCO_ITEMS).serverFeature(Ns.DISCO_INFO).build();
        ServerInfo info = new ServerInfo(registry, java.time.Instant.EPOCH);
        XmlElement answer = XmlElement.builder(Ns.DISCO_INFO, "query").children(info.discoInfo()).build();
        assertThat(info.capsVer()).isEqualTo(CapsHash.hash("sha-1",
                "server/im//Switchboard<" + Ns.DISCO_INFO + "<" + Ns.DISCO_ITEMS + "<"));
        assertThat(CapsHash.matches("sha-1", info.capsVer(), answer)).isTrue();
        assertThat(info.discoInfo()).hasSize(3);
        assertThat(List.of(info.capsElement().attr("hash"), info.capsElement().attr("ver")))
                .containsExactly("sha-1", info.capsVer());
    }
}
