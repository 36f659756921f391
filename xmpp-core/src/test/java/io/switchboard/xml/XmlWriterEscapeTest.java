package io.switchboard.xml;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class XmlWriterEscapeTest {

    private static String text(String s) {
        StringBuilder sb = new StringBuilder();
        XmlWriter.escapeText(s, sb);
        return sb.toString();
    }

    private static String attr(String s) {
        StringBuilder sb = new StringBuilder();
        XmlWriter.escapeAttr(s, sb);
        return sb.toString();
    }

    @Test
    void escapesMarkupAtTheStartInTheMiddleAndAtTheEnd() {
        assertThat(text("")).isEmpty();
        assertThat(text("plain body")).isEqualTo("plain body");
        assertThat(text("<b>")).isEqualTo("&lt;b&gt;");
        assertThat(text("a & b")).isEqualTo("a &amp; b");
        assertThat(text("ends with &")).isEqualTo("ends with &amp;");
        assertThat(text("&&")).isEqualTo("&amp;&amp;");
        assertThat(text("line\r\nnext")).isEqualTo("line&#13;\nnext");
        assertThat(text("quotes ' \" stay")).isEqualTo("quotes ' \" stay");
        assertThat(text("ünïcødé 😀 <")).isEqualTo("ünïcødé 😀 &lt;");
    }

    @Test
    void escapesAttributeValuesForEitherQuote() {
        assertThat(attr("it's \"x\"")).isEqualTo("it&apos;s &quot;x&quot;");
        assertThat(attr("a\tb\nc\rd")).isEqualTo("a&#9;b&#10;c&#13;d");
        assertThat(attr("user@example.com/res")).isEqualTo("user@example.com/res");
        assertThat(attr("<&>")).isEqualTo("&lt;&amp;&gt;");
    }

    @Test
    void whatIsWrittenParsesBackToTheSameTextAndAttributes() {
        // Random strings over the characters that need escaping, plain ASCII, Latin-1, other BMP
        // characters and astral ones (surrogate pairs): written, parsed, compared.
        String[] pieces = {"&", "<", ">", "'", "\"", "\t", "\n", "\r", "a", "Z", " ", "é", "ß", "中", "😀", "]]>", "x"};
        Random r = new Random(42);
        for (int round = 0; round < 2000; round++) {
            StringBuilder b = new StringBuilder();
            int len = r.nextInt(12);
            for (int i = 0; i < len; i++) {
                b.append(pieces[r.nextInt(pieces.length)]);
            }
            String s = b.toString();
            XmlElement e = XmlElement.builder(Ns.CLIENT, "message").attr("id", s).textChild(Ns.CLIENT, "body", s).build();
            XmlElement back = XmlFragments.parse(XmlWriter.toXml(e));
            assertThat(back.attr("id")).as("attribute of %s", s).isEqualTo(s);
            // XML parsers normalise a literal CR LF or CR in text to LF; ours writes CR as &#13; so it survives.
            assertThat(back.childText(Ns.CLIENT, "body")).as("text of %s", s).isEqualTo(s);
        }
    }
}
