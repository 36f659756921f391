package io.switchboard.xml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class XmlStreamParserTest {

    static final String HEADER = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
            + "xmlns:stream='http://etherx.jabber.org/streams' to='example.test' version='1.0' xml:lang='en'>";

    /** A stream as real clients send it after authentication, with 2-, 3- and 4-byte UTF-8. */
    static final String CLIENT_STREAM = HEADER
            + "<iq type='set' id='bind_1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>Gajim.ÄÖ</resource></bind></iq>\n"
            + "<presence><priority>5</priority><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://gajim.org' ver='Q0h0rKnuPbCFXzD1ICVUbe4UR3Y='/></presence>"
            + " <message to='juliet@example.test' type='chat' id='m1' xml:lang='en'><body>Wherefore art thou? € 😀 漢字 &amp; &lt;b&gt; &#x1F600; &quot;q&quot;</body>"
            + "<active xmlns='http://jabber.org/protocol/chatstates'/><origin-id xmlns='urn:xmpp:sid:0' id='a&apos;b'/></message>"
            + "<iq type='get' id='p'><ping xmlns='urn:xmpp:ping'/></iq><x:foo xmlns:x='urn:example:x' x:attr='1'><x:bar>t<![CDATA[<raw>]]>u</x:bar>mixed<b/>tail</x:foo>"
            + "</stream:stream>";

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Records events as strings so runs can be compared. */
    static final class Recorder implements XmlStreamParser.Listener {
        final List<String> events = new ArrayList<>();
        final List<XmlElement> elements = new ArrayList<>();
        String pauseOn;

        @Override
        public void streamOpen(StreamHeader header) {
            events.add("open " + header.name() + " ns=" + header.contentNs() + " to=" + header.attr("to") + " lang=" + header.lang());
        }

        @Override
        public boolean element(XmlElement element) {
            events.add("element " + XmlWriter.toXml(element));
            elements.add(element);
            return pauseOn == null || !element.local().equals(pauseOn);
        }

        @Override
        public void streamClose() {
            events.add("close");
        }

        @Override
        public void whitespace() {
            // Keepalives depend on how text is split; not compared.
        }
    }

    static Recorder parseAll(byte[] data, int... splits) throws XmlStreamException {
        Recorder r = new Recorder();
        XmlStreamParser p = new XmlStreamParser(XmlLimits.c2sDefaults(), r);
        int prev = 0;
        for (int s : splits) {
            p.feed(data, prev, s - prev);
            prev = s;
        }
        p.feed(data, prev, data.length - prev);
        return r;
    }

    @Test
    void parsesARealClientStream() throws Exception {
        Recorder r = parseAll(utf8(CLIENT_STREAM));
        assertThat(r.events.get(0)).isEqualTo("open {http://etherx.jabber.org/streams}stream ns=jabber:client to=example.test lang=en");
        assertThat(r.elements).hasSize(5);
        XmlElement msg = r.elements.get(2);
        assertThat(msg.is(Ns.CLIENT, "message")).isTrue();
        assertThat(msg.childText(Ns.CLIENT, "body")).isEqualTo("Wherefore art thou? € 😀 漢字 & <b> 😀 \"q\"");
        assertThat(msg.child("urn:xmpp:sid:0", "origin-id").attr("id")).isEqualTo("a'b");
        assertThat(msg.attr(XmlName.of(Ns.XML, "lang"))).isEqualTo("en");
        XmlElement foo = r.elements.get(4);
        assertThat(foo.name()).isEqualTo(XmlName.of("urn:example:x", "foo"));
        assertThat(foo.attr(XmlName.of("urn:example:x", "attr"))).isEqualTo("1");
        assertThat(foo.child("urn:example:x", "bar").text()).isEqualTo("t<raw>u");
        assertThat(foo.children()).hasSize(4);
        assertThat(r.events.get(r.events.size() - 1)).isEqualTo("close");
    }

    @Test
    void everySplitPointGivesTheSameEvents() throws Exception {
        byte[] data = utf8(CLIENT_STREAM);
        List<String> expected = parseAll(data).events;
        for (int i = 1; i < data.length; i++) {
            assertThat(parseAll(data, i).events).as("split at %d", i).isEqualTo(expected);
        }
    }

    @Test
    void everyPairOfSplitPointsAroundMultiByteCharactersGivesTheSameEvents() throws Exception {
        byte[] data = utf8(HEADER + "<message><body>a€😀ÄZ漢</body></message>");
        List<String> expected = parseAll(data).events;
        int start = utf8(HEADER).length;
        for (int i = start; i < data.length; i++) {
            for (int j = i + 1; j < data.length; j++) {
                assertThat(parseAll(data, i, j).events).as("split at %d,%d", i, j).isEqualTo(expected);
            }
        }
    }

    @Test
    void byteByByteFeedingWorks() throws Exception {
        byte[] data = utf8(CLIENT_STREAM);
        Recorder r = new Recorder();
        XmlStreamParser p = new XmlStreamParser(XmlLimits.c2sDefaults(), r);
        for (int i = 0; i < data.length; i++) {
            p.feed(data, i, 1);
        }
        assertThat(r.events).isEqualTo(parseAll(data).events);
    }

    @Test
    void serializationRoundTrips() throws Exception {
        Recorder r = parseAll(utf8(CLIENT_STREAM));
        for (XmlElement e : r.elements) {
            String xml = XmlWriter.toStreamString(e, Ns.CLIENT);
            Recorder again = parseAll(utf8(HEADER + xml));
            assertThat(again.elements).containsExactly(e);
        }
    }

    @Test
    void serverStreamsAreReadIntoTheClientNamespace() throws Exception {
        String h = "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' to='a.test'>";
        Recorder r = parseAll(utf8(h + "<message><body>x</body><forwarded xmlns='urn:xmpp:forward:0'>"
                + "<message xmlns='jabber:client'><body>y</body></message></forwarded></message>"));
        XmlElement m = r.elements.get(0);
        assertThat(m.is(Ns.CLIENT, "message")).isTrue();
        assertThat(m.childText(Ns.CLIENT, "body")).isEqualTo("x");
        assertThat(XmlWriter.toStreamString(m, Ns.SERVER)).isEqualTo(
                "<message><body>x</body><forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client'><body>y</body></message></forwarded></message>");
        assertThat(XmlWriter.toXml(m)).startsWith("<message xmlns='jabber:client'>");
    }

    // --- security.md A1-A3: restricted XML ---

    @ParameterizedTest
    @ValueSource(strings = {
            "<?xml version='1.0'?><!DOCTYPE s [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;'>]><stream:stream>",
            "<!DOCTYPE s SYSTEM 'http://127.0.0.1:9/x'>" + "<stream:stream xmlns:stream='http://etherx.jabber.org/streams'>",
            "<!DOCTYPE s [<!ENTITY % pe SYSTEM 'file:///etc/passwd'> %pe;]><s/>",
            "HEADER<!-- comment --><message/>",
            "HEADER<?xml-stylesheet href='x'?><message/>",
            "HEADER<message><body>&a;</body></message>",
            "HEADER<message><!DOCTYPE x [<!ENTITY a 'b'>]></message>",
            "<?xml version='1.1'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>",
    })
    void restrictedXmlIsRefused(String input) {
        byte[] data = utf8(input.replace("HEADER", HEADER));
        assertThatThrownBy(() -> parseAll(data))
                .isInstanceOf(XmlStreamException.class)
                .extracting(e -> ((XmlStreamException) e).condition())
                .isEqualTo(XmlStreamException.Condition.RESTRICTED_XML);
    }

    @Test
    void aMisplacedXmlDeclarationIsNotWellFormed() {
        assertCondition(utf8(HEADER + "<?xml version='1.0'?><message/>"), XmlStreamException.Condition.NOT_WELL_FORMED);
    }

    @Test
    void otherEncodingsAreUnsupported() {
        assertCondition(utf8("<?xml version='1.0' encoding='ISO-8859-1'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams'>"),
                XmlStreamException.Condition.UNSUPPORTED_ENCODING);
        assertCondition(new byte[]{(byte) 0xFE, (byte) 0xFF, 0, '<'}, XmlStreamException.Condition.UNSUPPORTED_ENCODING);
        assertCondition(new byte[]{(byte) 0xFF, (byte) 0xFE, '<', 0}, XmlStreamException.Condition.UNSUPPORTED_ENCODING);
        assertCondition(new byte[]{0, 0, (byte) 0xFE, (byte) 0xFF}, XmlStreamException.Condition.UNSUPPORTED_ENCODING);
    }

    @Test
    void aUtf8ByteOrderMarkIsSkipped() throws Exception {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(new byte[]{(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
        o.writeBytes(utf8(HEADER + "<presence/>"));
        assertThat(parseAll(o.toByteArray()).elements).hasSize(1);
    }

    // --- A5, A6: invalid UTF-8 and characters ---

    @ParameterizedTest
    @ValueSource(strings = {"C043", "EDA080", "F4908080", "F888808080", "80", "C2", "E08080", "C0AF", "F08F8080", "FE", "FF"})
    void invalidUtf8IsNotWellFormedInTextAttributesAndNames(String hex) {
        byte[] bad = hex(hex);
        for (String[] place : new String[][]{{"<message><body>", "</body></message>"}, {"<message id='", "'/>"},
                {"<mess", "age/>"}}) {
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            o.writeBytes(utf8(HEADER + place[0]));
            o.writeBytes(bad);
            o.writeBytes(utf8(place[1]));
            assertCondition(o.toByteArray(), XmlStreamException.Condition.NOT_WELL_FORMED);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"&#0;", "&#x1;", "&#xD800;", "&#xFFFE;", "\u0001", "\u0008", "\u000B", "\u001F", "\uFFFE"})
    void charactersIllegalInXmlAreNotWellFormed(String s) {
        assertCondition(utf8(HEADER + "<message><body>" + s + "</body></message>"), XmlStreamException.Condition.NOT_WELL_FORMED);
        assertCondition(utf8(HEADER + "<message id='" + s + "'/>"), XmlStreamException.Condition.NOT_WELL_FORMED);
    }

    // --- A9: not well-formed ---

    @ParameterizedTest
    @ValueSource(strings = {"<message to='a' to='b'/>", "<message xmlns:x='a' xmlns:x='b'/>", "<message></mesage>",
            "<message a='<'/>", "<message></message></stream:foo>"})
    void notWellFormedInputIsRefused(String s) {
        assertCondition(utf8(HEADER + s), XmlStreamException.Condition.NOT_WELL_FORMED);
    }

    @Test
    void anUndeclaredPrefixIsABadNamespacePrefix() {
        assertCondition(utf8(HEADER + "<x:message/>"), XmlStreamException.Condition.BAD_NAMESPACE_PREFIX);
    }

    @Test
    void textBetweenStanzasIsABadFormat() {
        assertCondition(utf8(HEADER + "<presence/>hello<presence/>"), XmlStreamException.Condition.BAD_FORMAT);
    }

    @Test
    void dataAfterTheStreamCloseIsIgnored() throws Exception {
        Recorder r = parseAll(utf8(HEADER + "<presence/></stream:stream><message/>junk"));
        assertThat(r.events).hasSize(3).last().isEqualTo("close");
    }

    // --- A7, A8: limits ---

    @Test
    void anOversizeStanzaIsRefusedBeforeItEnds() {
        XmlLimits limits = XmlLimits.c2sDefaults().withMaxStanzaBytes(4096);
        Recorder r = new Recorder();
        XmlStreamParser p = new XmlStreamParser(limits, r);
        byte[] head = utf8(HEADER + "<message><body>");
        assertThatThrownBy(() -> {
            p.feed(head, 0, head.length);
            byte[] chunk = utf8("x".repeat(1000));
            for (int i = 0; i < 10_000; i++) {
                p.feed(chunk, 0, chunk.length);
            }
        }).isInstanceOf(XmlStreamException.class)
                .extracting(e -> ((XmlStreamException) e).condition())
                .isEqualTo(XmlStreamException.Condition.POLICY_VIOLATION);
        assertThat(r.elements).isEmpty();
    }

    @Test
    void aStanzaOfExactlyTheLimitPassesAndOneByteMoreFails() throws Exception {
        int limit = 2048;
        String open = "<message><body>";
        String close = "</body></message>";
        String fits = open + "y".repeat(limit - open.length() - close.length()) + close;
        assertThat(utf8(fits).length).isEqualTo(limit);
        XmlLimits limits = XmlLimits.c2sDefaults().withMaxStanzaBytes(limit);
        byte[] header = utf8(HEADER);
        Recorder ok = new Recorder();
        XmlStreamParser p = new XmlStreamParser(limits, ok);
        p.setNegotiating(false);
        p.feed(header, 0, header.length);
        byte[] b = utf8(fits);
        p.feed(b, 0, b.length);
        assertThat(ok.elements).hasSize(1);
        // Slices are bounded, so the limit is precise to within one slice; well past it always fails.
        XmlStreamParser q = new XmlStreamParser(limits, new Recorder());
        q.feed(header, 0, header.length);
        byte[] tooBig = utf8(open + "y".repeat(limit + 600) + close);
        assertThatThrownBy(() -> q.feed(tooBig, 0, tooBig.length)).isInstanceOf(XmlStreamException.class);
    }

    @Test
    void aHugeAttributeValueIsRefusedWhileItArrives() {
        XmlStreamParser p = new XmlStreamParser(XmlLimits.c2sDefaults(), new Recorder());
        assertThatThrownBy(() -> {
            byte[] h = utf8(HEADER + "<message id='");
            p.feed(h, 0, h.length);
            byte[] chunk = utf8("a".repeat(64 * 1024));
            for (int i = 0; i < 160; i++) {
                p.feed(chunk, 0, chunk.length);
            }
        }).isInstanceOf(XmlStreamException.class)
                .extracting(e -> ((XmlStreamException) e).condition())
                .isEqualTo(XmlStreamException.Condition.POLICY_VIOLATION);
    }

    @Test
    void deepNestingIsRefusedWithoutRecursion() {
        String deep = "<a>".repeat(100_000);
        assertCondition(utf8(HEADER + deep), XmlStreamException.Condition.POLICY_VIOLATION);
    }

    @Test
    void tooManyAttributesOrNamespacesAreRefused() {
        StringBuilder attrs = new StringBuilder("<message");
        for (int i = 0; i < 100; i++) {
            attrs.append(" a").append(i).append("='x'");
        }
        assertCondition(utf8(HEADER + attrs + "/>"), XmlStreamException.Condition.POLICY_VIOLATION);
        StringBuilder nss = new StringBuilder("<message");
        for (int i = 0; i < 100; i++) {
            nss.append(" xmlns:p").append(i).append("='urn:").append(i).append("'");
        }
        assertCondition(utf8(HEADER + nss + "/>"), XmlStreamException.Condition.POLICY_VIOLATION);
    }

    @Test
    void longNamesAndManyElementsAreRefused() {
        assertCondition(utf8(HEADER + "<" + "n".repeat(5000) + "/>"), XmlStreamException.Condition.POLICY_VIOLATION);
        assertCondition(utf8(HEADER + "<message>" + "<a/>".repeat(20_000) + "</message>"),
                XmlStreamException.Condition.POLICY_VIOLATION);
    }

    // --- pausing and restarts ---

    @Test
    void pausesAfterAnElementAndKeepsThePipelinedBytes() throws Exception {
        Recorder r = new Recorder();
        r.pauseOn = "starttls";
        XmlStreamParser p = new XmlStreamParser(XmlLimits.preAuthDefaults(), r);
        byte[] in = utf8(HEADER + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><iq type='set' id='x'/>");
        p.feed(in, 0, in.length);
        assertThat(p.isPaused()).isTrue();
        assertThat(p.hasLeftover()).isTrue();
        assertThat(r.elements).hasSize(1);
        p.resume(false);
        assertThat(r.elements).hasSize(2);
    }

    @Test
    void pausesWithoutLeftoverWhenThePeerWaits() throws Exception {
        Recorder r = new Recorder();
        r.pauseOn = "auth";
        XmlStreamParser p = new XmlStreamParser(XmlLimits.preAuthDefaults(), r);
        byte[] in = utf8(HEADER + "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGEAYg==</auth>");
        p.feed(in, 0, in.length);
        assertThat(p.isPaused()).isTrue();
        assertThat(p.hasLeftover()).isFalse();
        assertThatThrownBy(() -> p.feed(in, 0, 1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aRestartAfterPauseReadsThePipelinedNewStream() throws Exception {
        Recorder r = new Recorder();
        r.pauseOn = "auth";
        XmlStreamParser p = new XmlStreamParser(XmlLimits.preAuthDefaults(), r);
        byte[] in = utf8(HEADER + "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGEAYg==</auth>"
                + HEADER.replace("<?xml version='1.0'?>", "") + "<iq type='set' id='b'/>");
        p.feed(in, 0, in.length);
        assertThat(p.hasLeftover()).isTrue();
        p.resume(true);
        assertThat(r.events).hasSize(4);
        assertThat(r.events.get(2)).startsWith("open ");
        assertThat(r.events.get(3)).contains("id='b'");
    }

    @Test
    void aRestartDiscardsTheOldStreamState() throws Exception {
        Recorder r = new Recorder();
        XmlStreamParser p = new XmlStreamParser(XmlLimits.preAuthDefaults(), r);
        byte[] in = utf8(HEADER + "<presence/>");
        p.feed(in, 0, in.length);
        p.restart();
        p.feed(in, 0, in.length);
        assertThat(r.events).hasSize(4);
    }

    static void assertCondition(byte[] data, XmlStreamException.Condition condition) {
        assertThatThrownBy(() -> parseAll(data))
                .isInstanceOf(XmlStreamException.class)
                .extracting(e -> ((XmlStreamException) e).condition())
                .isEqualTo(condition);
    }

    static byte[] hex(String h) {
        byte[] out = new byte[h.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }
}
