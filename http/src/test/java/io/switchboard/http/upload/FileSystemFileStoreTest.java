package io.switchboard.http.upload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.testing.TestServer;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FileSystemFileStoreTest {

    static final String ID = "00112233445566778899aabbccddeeff";
    static final String ID2 = "ffeeddccbbaa99887766554433221100";
    Path root;
    FileSystemFileStore store;

    @BeforeEach
    void open() throws IOException {
        root = Files.createTempDirectory("filestore");
        store = new FileSystemFileStore(root);
    }

    @AfterEach
    void clean() {
        TestServer.deleteTree(root);
    }

    static FileStore.FileInfo info(String id, String owner, long size, Instant created) {
        return new FileStore.FileInfo(id, owner, "name ü.txt", "text/plain", size, created);
    }

    @Test
    void storesReadsAndDeletesWithUsagePerOwner() throws IOException {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        store.put(info(ID, "a@x", 5, t), new ByteArrayInputStream("hello".getBytes()));
        store.put(info(ID2, "a@x", 3, t.plusSeconds(60)), new ByteArrayInputStream("abc".getBytes()));
        assertThat(store.usage("a@x")).isEqualTo(8);
        assertThat(store.usage("b@x")).isZero();
        assertThat(store.info(ID)).hasValue(info(ID, "a@x", 5, t));
        try (SeekableByteChannel ch = store.open(ID)) {
            ByteBuffer b = ByteBuffer.allocate(10);
            ch.position(1);
            ch.read(b);
            assertThat(new String(b.array(), 0, b.position())).isEqualTo("ello");
        }
        assertThat(store.olderThan(t.plusSeconds(1), 10)).extracting(FileStore.FileInfo::id).containsExactly(ID);
        assertThat(store.olderThan(t.plusSeconds(3600), 1)).hasSize(1);
        assertThat(store.delete(ID)).isTrue();
        assertThat(store.delete(ID)).isFalse();
        assertThat(store.info(ID)).isEmpty();
        assertThat(store.usage("a@x")).isEqualTo(3);
        // A new instance on the same directory sees the same files and totals.
        FileSystemFileStore again = new FileSystemFileStore(root);
        assertThat(again.usage("a@x")).isEqualTo(3);
        assertThat(again.info(ID2)).isPresent();
    }

    @Test
    void aFileIsStoredOnceAndOnlyWhenComplete() throws IOException {
        Instant t = Instant.now();
        assertThatThrownBy(() -> store.put(info(ID, "a@x", 10, t), new ByteArrayInputStream("short".getBytes())))
                .isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> store.put(info(ID, "a@x", 2, t), new ByteArrayInputStream("long".getBytes())))
                .isInstanceOf(IOException.class);
        assertThat(store.info(ID)).isEmpty();
        assertThat(store.usage("a@x")).isZero();
        try (Stream<Path> tmp = Files.list(root.resolve("tmp"))) {
            assertThat(tmp).isEmpty();
        }
        store.put(info(ID, "a@x", 2, t), new ByteArrayInputStream("ok".getBytes()));
        assertThatThrownBy(() -> store.put(info(ID, "a@x", 2, t), new ByteArrayInputStream("no".getBytes())))
                .isInstanceOf(FileAlreadyExistsException.class);
        assertThat(store.usage("a@x")).isEqualTo(2);
    }

    @Test
    void idsThatAreNotHexNameNothing() throws IOException {
        Files.writeString(root.resolve("secret"), "s");
        for (String bad : new String[]{"../secret", "..", "/etc/passwd", "00112233445566778899AABBCCDDEEFF", "short", "",
                "00112233445566778899aabbccddeeff/../../secret"}) {
            assertThat(store.info(bad)).as(bad).isEmpty();
            assertThat(store.delete(bad)).as(bad).isFalse();
            assertThatThrownBy(() -> store.open(bad)).as(bad).isInstanceOf(NoSuchFileException.class);
            assertThatThrownBy(() -> store.put(info(bad, "a@x", 1, Instant.now()), new ByteArrayInputStream(new byte[1])))
                    .as(bad).isInstanceOf(NoSuchFileException.class);
        }
        assertThat(Files.readString(root.resolve("secret"))).isEqualTo("s");
    }
}
