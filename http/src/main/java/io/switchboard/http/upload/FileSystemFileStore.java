package io.switchboard.http.upload;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Files under a directory: {@code files/<first two id characters>/<id>} with a {@code <id>.meta}
 * properties file beside it, per-owner totals in {@code usage/<sha-256 of the owner>}, and
 * uploads in progress in {@code tmp/} (same file system, so completing one is an atomic rename).
 * Ids are lower-case hex only, so no id can name a path outside the directory.
 */
public final class FileSystemFileStore implements FileStore {

    private static final Logger LOG = LoggerFactory.getLogger(FileSystemFileStore.class);
    static final Pattern ID = Pattern.compile("[0-9a-f]{32,64}");

    private final Path files;
    private final Path usage;
    private final Path tmp;
    /** Serializes changes to metadata and usage totals (the data copy happens outside it). */
    private final Object lock = new Object();

    public FileSystemFileStore(Path root) throws IOException {
        this.files = root.resolve("files");
        this.usage = root.resolve("usage");
        this.tmp = root.resolve("tmp");
        Files.createDirectories(files);
        Files.createDirectories(usage);
        Files.createDirectories(tmp);
        // Uploads interrupted by a crash or shutdown.
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(tmp)) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static String checkId(String id) throws NoSuchFileException {
        if (id == null || !ID.matcher(id).matches()) {
            throw new NoSuchFileException(String.valueOf(id));
        }
        return id;
    }

    private Path data(String id) throws NoSuchFileException {
        return files.resolve(checkId(id).substring(0, 2)).resolve(id);
    }

    private Path meta(String id) throws NoSuchFileException {
        return files.resolve(checkId(id).substring(0, 2)).resolve(id + ".meta");
    }

    @Override
    public void put(FileInfo info, InputStream data) throws IOException {
        Path target = data(info.id());
        Path metaFile = meta(info.id());
        if (Files.exists(target) || Files.exists(metaFile)) {
            throw new FileAlreadyExistsException(info.id());
        }
        Path part = tmp.resolve(info.id() + ".part");
        try {
            try (FileChannel ch = FileChannel.open(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                 OutputStream out = Channels.newOutputStream(ch)) {
                byte[] buf = new byte[64 * 1024];
                long left = info.size();
                while (left > 0) {
                    int n = data.read(buf, 0, (int) Math.min(buf.length, left));
                    if (n < 0) {
                        throw new EOFException("upload ended after " + (info.size() - left) + " of " + info.size()
                                + " bytes");
                    }
                    out.write(buf, 0, n);
                    left -= n;
                }
                if (data.read() >= 0) {
                    throw new IOException("more than the announced " + info.size() + " bytes");
                }
                out.flush();
                ch.force(true);
            }
            synchronized (lock) {
                if (Files.exists(target) || Files.exists(metaFile)) {
                    throw new FileAlreadyExistsException(info.id());
                }
                Files.createDirectories(target.getParent());
                writeProperties(metaFile, toProperties(info));
                try {
                    Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
                    addUsage(info.owner(), info.size(), 1);
                } catch (IOException | RuntimeException e) {
                    // All or nothing: no file stored without its place in the quota, no metadata alone.
                    Files.deleteIfExists(target);
                    Files.deleteIfExists(metaFile);
                    throw e;
                }
            }
        } finally {
            Files.deleteIfExists(part);
        }
    }

    @Override
    public Optional<FileInfo> info(String id) throws IOException {
        if (id == null || !ID.matcher(id).matches()) {
            return Optional.empty();
        }
        Path m = meta(id);
        if (!Files.exists(m) || !Files.exists(data(id))) {
            return Optional.empty();
        }
        try {
            return Optional.of(fromProperties(id, readProperties(m)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public SeekableByteChannel open(String id) throws IOException {
        return FileChannel.open(data(id), StandardOpenOption.READ);
    }

    @Override
    public boolean delete(String id) throws IOException {
        if (id == null || !ID.matcher(id).matches()) {
            return false;
        }
        synchronized (lock) {
            Path m = meta(id);
            FileInfo info;
            try {
                info = fromProperties(id, readProperties(m));
            } catch (NoSuchFileException e) {
                return Files.deleteIfExists(data(id));
            }
            boolean hadData = Files.deleteIfExists(data(id));
            Files.deleteIfExists(m);
            if (hadData) {
                // Metadata left without its data (a crash between the two writes) was never counted.
                addUsage(info.owner(), -info.size(), -1);
            }
            return true;
        }
    }

    @Override
    public List<FileInfo> olderThan(Instant cutoff, int limit) throws IOException {
        List<FileInfo> out = new ArrayList<>();
        try (DirectoryStream<Path> shards = Files.newDirectoryStream(files)) {
            for (Path shard : shards) {
                if (!Files.isDirectory(shard)) {
                    continue;
                }
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(shard, "*.meta")) {
                    for (Path m : ds) {
                        String name = m.getFileName().toString();
                        String id = name.substring(0, name.length() - ".meta".length());
                        if (!ID.matcher(id).matches()) {
                            continue;
                        }
                        try {
                            FileInfo fi = fromProperties(id, readProperties(m));
                            if (fi.created().isBefore(cutoff)) {
                                out.add(fi);
                                if (out.size() >= limit) {
                                    return out;
                                }
                            }
                        } catch (IOException | RuntimeException e) {
                            LOG.warn("Unreadable upload metadata {}: {}", m, e.toString());
                        }
                    }
                }
            }
        }
        return out;
    }

    @Override
    public long usage(String owner) throws IOException {
        Path f = usageFile(owner);
        try {
            return Long.parseLong(readProperties(f).getProperty("bytes", "0"));
        } catch (NoSuchFileException e) {
            return 0;
        } catch (NumberFormatException e) {
            throw new IOException("corrupt usage file " + f, e);
        }
    }

    private void addUsage(String owner, long bytes, int count) throws IOException {
        Path f = usageFile(owner);
        long b = 0;
        long n = 0;
        try {
            Properties p = readProperties(f);
            b = Long.parseLong(p.getProperty("bytes", "0"));
            n = Long.parseLong(p.getProperty("files", "0"));
        } catch (NoSuchFileException e) {
            // First file of this owner.
        }
        b = Math.max(0, b + bytes);
        n = Math.max(0, n + count);
        if (n == 0) {
            Files.deleteIfExists(f);
            return;
        }
        Properties p = new Properties();
        p.setProperty("owner", owner);
        p.setProperty("bytes", Long.toString(b));
        p.setProperty("files", Long.toString(n));
        writeProperties(f, p);
    }

    private Path usageFile(String owner) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(owner.getBytes(StandardCharsets.UTF_8));
            return usage.resolve(HexFormat.of().formatHex(d));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Properties toProperties(FileStore.FileInfo info) {
        Properties p = new Properties();
        p.setProperty("owner", info.owner());
        p.setProperty("filename", info.filename());
        p.setProperty("content-type", info.contentType());
        p.setProperty("size", Long.toString(info.size()));
        p.setProperty("created", info.created().toString());
        return p;
    }

    private static FileInfo fromProperties(String id, Properties p) throws IOException {
        try {
            return new FileInfo(id, req(p, "owner"), req(p, "filename"), req(p, "content-type"),
                    Long.parseLong(req(p, "size")), Instant.parse(req(p, "created")));
        } catch (RuntimeException e) {
            throw new IOException("corrupt metadata for " + id + ": " + e.getMessage(), e);
        }
    }

    private static String req(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null) {
            throw new IllegalArgumentException("missing " + key);
        }
        return v;
    }

    private static Properties readProperties(Path f) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        return p;
    }

    /** Writes beside the target and renames over it, so readers never see half a file. */
    private void writeProperties(Path f, Properties p) throws IOException {
        Path t = tmp.resolve(f.getFileName() + "." + Thread.currentThread().getId() + ".tmp");
        try (Writer w = Files.newBufferedWriter(t, StandardCharsets.UTF_8)) {
            p.store(w, null);
        }
        Files.move(t, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
