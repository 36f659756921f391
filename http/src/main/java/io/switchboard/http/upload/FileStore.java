package io.switchboard.http.upload;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.SeekableByteChannel;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where uploaded files live (a port: the file system today, object storage later). Files are
 * immutable once stored; each owner's total size is kept with the files, so quotas survive
 * restarts.
 */
public interface FileStore {

    /** What is known about one stored file. */
    record FileInfo(String id, String owner, String filename, String contentType, long size, Instant created) {
    }

    /**
     * Stores exactly {@code info.size()} bytes read from {@code data}, atomically: the file is
     * either complete and visible or absent.
     *
     * @throws java.nio.file.FileAlreadyExistsException when {@code info.id()} is already stored
     * @throws java.io.EOFException when {@code data} ends before {@code info.size()} bytes
     */
    void put(FileInfo info, InputStream data) throws IOException;

    /** The file's description, empty when there is no such file. */
    Optional<FileInfo> info(String id) throws IOException;

    /** Opens the file's content for reading. @throws java.nio.file.NoSuchFileException when absent */
    SeekableByteChannel open(String id) throws IOException;

    /** Deletes the file; false when there was none. */
    boolean delete(String id) throws IOException;

    /** Up to {@code limit} files stored before {@code cutoff}. */
    List<FileInfo> olderThan(Instant cutoff, int limit) throws IOException;

    /** Bytes stored by {@code owner} (a bare JID). */
    long usage(String owner) throws IOException;
}
