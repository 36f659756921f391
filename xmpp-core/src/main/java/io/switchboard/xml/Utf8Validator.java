package io.switchboard.xml;

/**
 * Streaming UTF-8 validator (RFC 3629): rejects overlong forms, UTF-16 surrogates, code points
 * above U+10FFFF and stray continuation bytes, across any split of the input. The XML parser alone
 * accepts some of these (overlong three-byte forms, code points above U+10FFFF), so every byte is
 * checked here first.
 *
 * @implNote not thread-safe; one instance per stream.
 */
final class Utf8Validator {

    /** Continuation bytes still expected for the current sequence. */
    private int remaining;
    /** Allowed range for the next continuation byte (it narrows after the lead byte). */
    private int lower = 0x80;
    private int upper = 0xBF;

    /** Returns the index of the first invalid byte in {@code b[off, off+len)}, or -1. */
    int validate(byte[] b, int off, int len) {
        int end = off + len;
        for (int i = off; i < end; i++) {
            int c = b[i] & 0xFF;
            if (remaining == 0) {
                if (c < 0x80) {
                    continue;
                }
                if (c >= 0xC2 && c <= 0xDF) {
                    remaining = 1;
                    lower = 0x80;
                    upper = 0xBF;
                } else if (c >= 0xE0 && c <= 0xEF) {
                    remaining = 2;
                    lower = c == 0xE0 ? 0xA0 : 0x80;
                    upper = c == 0xED ? 0x9F : 0xBF;
                } else if (c >= 0xF0 && c <= 0xF4) {
                    remaining = 3;
                    lower = c == 0xF0 ? 0x90 : 0x80;
                    upper = c == 0xF4 ? 0x8F : 0xBF;
                } else {
                    return i;
                }
            } else {
                if (c < lower || c > upper) {
                    return i;
                }
                lower = 0x80;
                upper = 0xBF;
                remaining--;
            }
        }
        return -1;
    }

    /** True when the input so far ends in the middle of a multi-byte sequence. */
    boolean inSequence() {
        return remaining != 0;
    }
}
