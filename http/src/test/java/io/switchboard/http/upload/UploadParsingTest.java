package io.switchboard.http.upload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.stanza.StanzaException;
import org.junit.jupiter.api.Test;

/** The small parsers of the upload service: ranges, path segments, file names, media types. */
class UploadParsingTest {

    @Test
    void ranges() {
        assertThat(UploadHandler.parseRange("bytes=0-9", 100)).containsExactly(0, 9);
        assertThat(UploadHandler.parseRange("bytes=90-", 100)).containsExactly(90, 99);
        assertThat(UploadHandler.parseRange("bytes=90-500", 100)).containsExactly(90, 99);
        assertThat(UploadHandler.parseRange("bytes=-10", 100)).containsExactly(90, 99);
        assertThat(UploadHandler.parseRange("bytes=-500", 100)).containsExactly(0, 99);
        assertThat(UploadHandler.parseRange("bytes=100-", 100)).isNull();
        assertThat(UploadHandler.parseRange("bytes=5-4", 100)).isNull();
        assertThat(UploadHandler.parseRange("bytes=-0", 100)).isNull();
        // Ignored (the whole file is served): several ranges, other units, garbage.
        assertThat(UploadHandler.parseRange("bytes=0-1,5-6", 100)).isEmpty();
        assertThat(UploadHandler.parseRange("items=0-1", 100)).isEmpty();
        assertThat(UploadHandler.parseRange("bytes=a-b", 100)).isEmpty();
        assertThat(UploadHandler.parseRange("bytes=99999999999999999999-", 100)).isEmpty();
    }

    @Test
    void pathSegments() {
        assertThat(UploadHandler.decodeSegment("holiday%20report%20%C3%BC.pdf")).isEqualTo("holiday report ü.pdf");
        assertThat(UploadHandler.decodeSegment("a+b.txt")).isEqualTo("a+b.txt");
        assertThat(UploadHandler.decodeSegment("a%2Fb")).isNull();
        assertThat(UploadHandler.decodeSegment("a/b")).isNull();
        assertThat(UploadHandler.decodeSegment("a%00b")).isNull();
        assertThat(UploadHandler.decodeSegment("a%zzb")).isNull();
        assertThat(UploadHandler.decodeSegment("a%C3")).isNull();
        assertThat(UploadHandler.decodeSegment("%")).isNull();
        assertThat(UploadHandler.decodeSegment("a b")).isNull();
        String name = "ü ;#?%&=+.x";
        assertThat(UploadHandler.decodeSegment(UploadModule.encodeSegment(name))).isEqualTo(name);
    }

    @Test
    void fileNames() throws StanzaException {
        assertThat(UploadModule.checkFilename("photo.jpg")).isEqualTo("photo.jpg");
        assertThat(UploadModule.checkFilename("..hidden")).isEqualTo("..hidden");
        for (String bad : new String[]{null, "", ".", "..", "a/b", "a\\b", "a\u0000b", "a\nb", "x".repeat(256)}) {
            assertThatThrownBy(() -> UploadModule.checkFilename(bad)).as(String.valueOf(bad))
                    .isInstanceOf(StanzaException.class);
        }
        assertThat(UploadModule.checkFilename("é".repeat(127))).hasSize(127);
        assertThatThrownBy(() -> UploadModule.checkFilename("é".repeat(128))).isInstanceOf(StanzaException.class);
    }

    @Test
    void mediaTypes() {
        assertThat(UploadModule.mediaType("Image/PNG; charset=x")).isEqualTo("image/png");
        assertThat(UploadModule.mediaType("  ")).isNull();
        assertThat(UploadModule.mediaType(null)).isNull();
    }
}
