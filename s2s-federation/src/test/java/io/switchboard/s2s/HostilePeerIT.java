package io.switchboard.s2s;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.RawClient;
import io.switchboard.testing.TestServer;
import io.switchboard.tls.TlsMaterial;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.Map;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A hostile peer on a raw socket against b.test's server port: stanzas before TLS, an unsolicited
 * dialback result, stanzas from a domain the stream did not authenticate, a wrong 'to'.
 */
class HostilePeerIT {

    static Path dir;
    static TestCa ca;
    static Federation b;
    static final String DB = "jabber:server:dialback";

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("s2s-hostile");
        ca = new TestCa();
        Path[] bFiles = TestCa.write(ca.issue("b.test"), dir, "b");
        Path trust = ca.writeTrustStore(dir);
        b = Federation.start("b.test", 0, Map.of("tls.certificate", bFiles[0].toString(),
                "tls.private-key", bFiles[1].toString(), "s2s.trust-store", trust.toString(),
                "s2s.dialback-overrides", "denied.test=deny"));
        b.addUser("bob");
    }

    @AfterAll
    static void stop() {
        b.close();
        TestServer.deleteTree(dir);
    }

    static String header(String from, String to) {
        return "<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='" + Ns.STREAMS
                + "' xmlns:db='" + DB + "' from='" + from + "' to='" + to + "' version='1.0'>";
    }

    static SSLContext tls(TlsMaterial clientCert) throws Exception {
        KeyManager[] kms = null;
        if (clientCert != null) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("me", clientCert.key(), new char[0], clientCert.chain().toArray(new Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
            kmf.init(ks, new char[0]);
            kms = kmf.getKeyManagers();
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kms, new TrustManager[]{new io.switchboard.tls.AcceptAnyCertificate()}, null);
        return ctx;
    }

    /** Opens a stream from {@code from}, does STARTTLS, opens again; returns the features. */
    static XmlElement secure(RawClient c, String from, SSLContext ctx) throws Exception {
        c.send(header(from, "b.test"));
        c.header();
        XmlElement f = c.element(Ns.STREAMS, "features");
        assertThat(f.hasChild(Ns.TLS, "starttls")).isTrue();
        c.send("<starttls xmlns='" + Ns.TLS + "'/>");
        c.element(Ns.TLS, "proceed");
        c.startTls(ctx, "b.test");
        c.send(header(from, "b.test"));
        c.header();
        return c.element(Ns.STREAMS, "features");
    }

    @Test
    void stanzaBeforeTlsIsRefused() throws Exception {
        try (RawClient c = RawClient.connect(b.module.port())) {
            c.send(header("evil.test", "b.test"));
            c.header();
            XmlElement f = c.element(Ns.STREAMS, "features");
            assertThat(f.child(Ns.TLS, "starttls").hasChild(Ns.TLS, "required")).isTrue();
            c.send("<message from='x@evil.test' to='bob@b.test'><body>plaintext</body></message>");
            assertThat(c.streamError()).isEqualTo("not-authorized");
            assertThat(c.awaitClosed()).isTrue();
        }
    }

    @Test
    void dialbackBeforeTlsIsRefused() throws Exception {
        try (RawClient c = RawClient.connect(b.module.port())) {
            c.send(header("evil.test", "b.test"));
            c.header();
            c.element(Ns.STREAMS, "features");
            c.send("<db:result xmlns:db='" + DB + "' from='evil.test' to='b.test'>abcd</db:result>");
            assertThat(c.streamError()).isEqualTo("policy-violation");
        }
    }

    @Test
    void unsolicitedDialbackResultIsIgnoredAndGrantsNothing() throws Exception {
        try (RawClient c = RawClient.connect(b.module.port())) {
            secure(c, "evil.test", tls(null));
            c.send("<db:result xmlns:db='" + DB + "' type='valid' from='evil.test' to='b.test'/>");
            c.send("<message from='x@evil.test' to='bob@b.test'><body>trust me</body></message>");
            assertThat(c.streamError()).isEqualTo("not-authorized");
        }
        assertThat(b.module.inboundDomains()).doesNotContain("evil.test");
    }

    @Test
    void wrongDomainInHeaderIsHostUnknown() throws Exception {
        try (RawClient c = RawClient.connect(b.module.port())) {
            c.send(header("evil.test", "not-here.test"));
            c.header();
            assertThat(c.streamError()).isEqualTo("host-unknown");
        }
    }

    /** SASL EXTERNAL as raw.test on a secured stream, then the restarted stream up to its features. */
    private static void authenticateAsRawTest(RawClient c) throws Exception {
        c.send("<auth xmlns='" + Ns.SASL + "' mechanism='EXTERNAL'>"
                + Base64.getEncoder().encodeToString("raw.test".getBytes(StandardCharsets.UTF_8)) + "</auth>");
        c.element(Ns.SASL, "success");
        c.restartAfterSuccess();
        c.send(header("raw.test", "b.test"));
        c.header();
        c.element(Ns.STREAMS, "features");
    }

    @Test
    void certificateAuthenticatesOneDomainAndStanzasFromAnotherAreRefused() throws Exception {
        TlsMaterial raw = ca.issue("raw.test");
        try (RawClient bob = b.login("bob", "phone"); RawClient c = RawClient.connect(b.module.port())) {
            XmlElement f = secure(c, "raw.test", tls(raw));
            assertThat(f.child(Ns.SASL, "mechanisms").childText(Ns.SASL, "mechanism")).isEqualTo("EXTERNAL");
            authenticateAsRawTest(c);
            // From the authenticated domain: delivered.
            c.send("<message from='x@raw.test/r' to='bob@b.test' type='chat' id='ok'><body>hi bob</body></message>");
            XmlElement got = bob.element(Ns.CLIENT, "message");
            assertThat(got.attr("from")).isEqualTo("x@raw.test/r");
            assertThat(got.childText(Ns.CLIENT, "body")).isEqualTo("hi bob");
            // From another domain on the same stream: refused.
            c.send("<message from='x@other.test' to='bob@b.test' type='chat'><body>spoofed</body></message>");
            assertThat(c.streamError()).isEqualTo("invalid-from");
        }
    }

    @Test
    void anInvalidIqIsDroppedAndTheStreamGoesOn() throws Exception {
        TlsMaterial raw = ca.issue("raw.test");
        try (RawClient bob = b.login("bob", "tablet"); RawClient c = RawClient.connect(b.module.port())) {
            secure(c, "raw.test", tls(raw));
            authenticateAsRawTest(c);
            // One user's broken IQ (no type, no id) is not the peer server's fault: no stream error.
            c.send("<iq from='x@raw.test/r' to='bob@b.test/tablet'><query xmlns='jabber:iq:version'/></iq>");
            c.send("<message from='x@raw.test/r' to='bob@b.test' type='chat' id='after'><body>still here</body></message>");
            XmlElement got = bob.element(Ns.CLIENT, "message");
            assertThat(got.childText(Ns.CLIENT, "body")).isEqualTo("still here");
        }
    }

    @Test
    void dialbackRequestsOnOneStreamValidateTheCertificateOnce() throws Exception {
        TlsMaterial raw = ca.issue("raw.test");
        long before = b.module.certs().pathValidations();
        try (RawClient bob = b.login("bob", "phone"); RawClient c = RawClient.connect(b.module.port())) {
            secure(c, "raw.test", tls(raw));
            for (int i = 0; i < 3; i++) {
                // The certificate proves raw.test: answered at once, valid.
                c.send("<db:result xmlns:db='" + DB + "' from='raw.test' to='b.test'>k" + i + "</db:result>");
                XmlElement r = c.element(DB, "result");
                assertThat(r.attr("to")).isEqualTo("raw.test");
                assertThat(r.attr("type")).isEqualTo("valid");
            }
            // The same certificate for a domain it does not name, where only certificates are accepted: refused.
            c.send("<db:result xmlns:db='" + DB + "' from='denied.test' to='b.test'>k</db:result>");
            XmlElement r = c.element(DB, "result");
            assertThat(r.attr("to")).isEqualTo("denied.test");
            assertThat(r.attr("type")).isEqualTo("invalid");
            c.send("<message from='x@raw.test/r' to='bob@b.test' type='chat' id='ok'><body>hi</body></message>");
            assertThat(bob.element(Ns.CLIENT, "message").attr("id")).isEqualTo("ok");
            c.send("<message from='x@denied.test' to='bob@b.test' type='chat'><body>spoofed</body></message>");
            assertThat(c.streamError()).isEqualTo("invalid-from");
        }
        // One path validation for the stream (its features, three requests, the refused domain).
        assertThat(b.module.certs().pathValidations() - before).isEqualTo(1);
    }

    @Test
    void saslExternalForADomainTheCertificateDoesNotNameFails() throws Exception {
        TlsMaterial raw = ca.issue("raw.test");
        try (RawClient c = RawClient.connect(b.module.port())) {
            XmlElement f = secure(c, "impostor.test", tls(raw));
            assertThat(f.hasChild(Ns.SASL, "mechanisms")).isFalse();
            c.send("<auth xmlns='" + Ns.SASL + "' mechanism='EXTERNAL'>"
                    + Base64.getEncoder().encodeToString("impostor.test".getBytes(StandardCharsets.UTF_8)) + "</auth>");
            XmlElement failure = c.element(Ns.SASL, "failure");
            assertThat(failure.hasChild(Ns.SASL, "not-authorized")).isTrue();
        }
    }
}
