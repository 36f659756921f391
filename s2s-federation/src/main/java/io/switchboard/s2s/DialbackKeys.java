package io.switchboard.s2s;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Dialback keys (XEP-0185): {@code hex(HMAC-SHA256(hex(SHA-256(secret)), receiving + ' ' + originating
 * + ' ' + streamId))}. Only this server checks the keys it generates, compared in constant time.
 *
 * @implNote thread-safe.
 */
final class DialbackKeys {

    private final byte[] hmacKey;

    DialbackKeys(byte[] secret) {
        try {
            String h = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret));
            this.hmacKey = h.getBytes(StandardCharsets.US_ASCII);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    String key(String receiving, String originating, String streamId) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(hmacKey, "HmacSHA256"));
            byte[] d = mac.doFinal((receiving + ' ' + originating + ' ' + streamId).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    boolean verify(String receiving, String originating, String streamId, String key) {
        if (key == null || streamId == null) {
            return false;
        }
        byte[] expected = key(receiving, originating, streamId).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, key.trim().getBytes(StandardCharsets.UTF_8));
    }
}
