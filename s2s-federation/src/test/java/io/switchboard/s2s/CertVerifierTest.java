package io.switchboard.s2s;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.tls.TlsMaterial;
import java.security.cert.TrustAnchor;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CertVerifierTest {

    @Test
    void dnsNamesMatchExactlyOrByALeftMostWildcardLabel() {
        assertThat(CertVerifier.dnsMatches("example.org", "example.org")).isTrue();
        assertThat(CertVerifier.dnsMatches("EXAMPLE.org.", "example.org")).isTrue();
        assertThat(CertVerifier.dnsMatches("*.example.org", "chat.example.org")).isTrue();
        assertThat(CertVerifier.dnsMatches("*.example.org", "example.org")).isFalse();
        assertThat(CertVerifier.dnsMatches("*.example.org", "a.b.example.org")).isFalse();
        assertThat(CertVerifier.dnsMatches("*.org", "example.org")).isFalse();
        assertThat(CertVerifier.dnsMatches("c*.example.org", "chat.example.org")).isFalse();
        assertThat(CertVerifier.dnsMatches("chat.*.org", "chat.example.org")).isFalse();
        assertThat(CertVerifier.dnsMatches("other.org", "example.org")).isFalse();
    }

    @Test
    void chainMustReachTheTrustStoreAndNameTheDomain() throws Exception {
        TestCa ca = new TestCa();
        TlsMaterial m = ca.issue("a.test");
        CertVerifier v = new CertVerifier(Set.of(new TrustAnchor(ca.cert, null)));
        assertThat(v.check(m.chain(), "a.test")).isNull();
        assertThat(v.check(List.of(m.certificate()), "a.test")).isNull();
        assertThat(v.check(m.chain(), "b.test")).contains("does not name");
        assertThat(v.check(List.of(), "a.test")).isEqualTo("no certificate");
        // A self-signed certificate naming the domain is not trusted.
        TlsMaterial self = TlsMaterial.generate("a.test", List.of("a.test"), Duration.ofDays(1));
        assertThat(v.check(self.chain(), "a.test")).contains("does not validate");
        // Another CA's certificate neither.
        TlsMaterial other = new TestCa().issue("a.test");
        assertThat(v.authenticates(other.chain(), "a.test")).isFalse();
    }

    @Test
    void aPeerChainIsValidatedOnceAndStillCheckedPerDomain() throws Exception {
        TestCa ca = new TestCa();
        TlsMaterial a = ca.issue("a.test");
        CertVerifier v = new CertVerifier(Set.of(new TrustAnchor(ca.cert, null)));
        CertVerifier.PeerChain peer = v.peerChain();
        assertThat(peer.check(a.chain(), "a.test")).isNull();
        assertThat(peer.check(a.chain(), "a.test")).isNull();
        // The same chain asked about another domain: refused, without validating the path again.
        assertThat(peer.check(a.chain(), "b.test")).contains("does not name");
        assertThat(v.pathValidations()).isEqualTo(1);
        // A different chain (as after a renegotiation) is validated anew.
        TlsMaterial untrusted = new TestCa().issue("a.test");
        assertThat(peer.check(untrusted.chain(), "a.test")).contains("does not validate");
        assertThat(peer.check(untrusted.chain(), "a.test")).contains("does not validate");
        assertThat(v.pathValidations()).isEqualTo(2);
        assertThat(peer.check(List.of(), "a.test")).isEqualTo("no certificate");
        assertThat(v.pathValidations()).isEqualTo(2);
    }

    @Test
    void xmppAddrOtherNameAuthenticatesItsDomain() throws Exception {
        TestCa ca = new TestCa();
        // issue() puts an id-on-xmppAddr for the first name; the dNSName is only "x.test".
        TlsMaterial m = ca.issue("x.test");
        assertThat(CertVerifier.matchesDomain(m.certificate(), "x.test")).isTrue();
    }
}
