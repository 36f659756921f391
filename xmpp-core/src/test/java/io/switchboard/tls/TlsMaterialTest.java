package io.switchboard.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Signature;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsMaterialTest {

    @Test
    void theSelfSignedCertificateIsGeneratedOnceAndReadBackWithAWorkingKey(@TempDir Path dir) throws Exception {
        TlsMaterial first = TlsMaterial.selfSigned(dir, "reuse.test");
        TlsMaterial second = TlsMaterial.selfSigned(dir, "reuse.test");
        assertThat(second.certificate()).isEqualTo(first.certificate());
        assertThat(Files.readString(dir.resolve("reuse.test.key"))).startsWith("-----BEGIN PRIVATE KEY-----");
        // The key read back signs what the certificate's public key verifies.
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(second.key());
        signer.update(new byte[]{1, 2, 3});
        byte[] sig = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(first.certificate().getPublicKey());
        verifier.update(new byte[]{1, 2, 3});
        assertThat(verifier.verify(sig)).isTrue();
    }

    @Test
    void anUnreadableGeneratedKeyIsReplaced(@TempDir Path dir) throws Exception {
        TlsMaterial first = TlsMaterial.selfSigned(dir, "broken.test");
        Files.writeString(dir.resolve("broken.test.key"), "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
        TlsMaterial second = TlsMaterial.selfSigned(dir, "broken.test");
        assertThat(second.certificate()).isNotEqualTo(first.certificate());
        assertThat(TlsMaterial.selfSigned(dir, "broken.test").certificate()).isEqualTo(second.certificate());
    }
}
