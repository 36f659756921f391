package io.switchboard.bench.client;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Salted passwords by account, so that the client runs PBKDF2 once per account and salt rather
 * than once per login: a real client caches them the same way, and without the cache the load
 * client would spend more CPU per login than the server it measures. An entry is used only while
 * the server presents the same salt and iteration count. Thread-safe.
 *
 * <p>File format, one account a line: {@code key mechanism iterations salt-base64 salted-base64}.
 */
public final class ScramCache {

    private record Entry(Scram.Hash hash, String salt, int iterations, byte[] salted) {
    }

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    /**
     * Salted passwords by mechanism, salt and iterations: PBKDF2 of the same password with the same
     * salt and count gives the same bytes, so accounts whose server stored them with one salt (the
     * harness's in-JVM Switchboard, Prosody's copied account files) cost the client one derivation.
     * A cache serves one target, whose accounts share one password.
     */
    private final Map<String, byte[]> bySalt = new ConcurrentHashMap<>();
    private volatile boolean dirty;

    private static String saltKey(Scram.Hash hash, String salt, int iterations) {
        return hash.mechanism + " " + iterations + " " + salt;
    }

    public byte[] get(String key, Scram.Hash hash, String salt, int iterations) {
        Entry e = entries.get(key + "/" + hash.mechanism);
        if (e != null && e.iterations == iterations && e.salt.equals(salt)) {
            return e.salted;
        }
        byte[] same = bySalt.get(saltKey(hash, salt, iterations));
        if (same != null) {
            put(key, hash, salt, iterations, same);
        }
        return same;
    }

    public void put(String key, Scram.Hash hash, String salt, int iterations, byte[] salted) {
        entries.put(key + "/" + hash.mechanism, new Entry(hash, salt, iterations, salted));
        bySalt.put(saltKey(hash, salt, iterations), salted);
        dirty = true;
    }

    /** True when some entry exists for the account (whatever the mechanism). */
    public boolean knows(String key) {
        return entries.containsKey(key + "/" + Scram.Hash.SHA_1.mechanism)
                || entries.containsKey(key + "/" + Scram.Hash.SHA_256.mechanism);
    }

    public int size() {
        return entries.size();
    }

    /** Forgets every entry (a server started afresh has new salts). */
    public void clear() {
        entries.clear();
        bySalt.clear();
    }

    public static ScramCache load(Path file) throws IOException {
        ScramCache c = new ScramCache();
        if (file == null || !Files.exists(file)) {
            return c;
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        Base64.Decoder d = Base64.getDecoder();
        for (String line : lines) {
            String[] f = line.trim().split(" ");
            if (f.length != 5) {
                continue;
            }
            Scram.Hash h = Scram.Hash.of(f[1]);
            if (h == null) {
                continue;
            }
            try {
                c.put(f[0], h, f[3], Integer.parseInt(f[2]), d.decode(f[4]));
            } catch (IllegalArgumentException e) {
                // A damaged line: that account's key is derived again.
            }
        }
        c.dirty = false;
        return c;
    }

    public void save(Path file) throws IOException {
        if (file == null || !dirty) {
            return;
        }
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, "scram-cache", ".tmp");
        Base64.Encoder enc = Base64.getEncoder();
        try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            for (Map.Entry<String, Entry> me : entries.entrySet()) {
                Entry e = me.getValue();
                String key = me.getKey().substring(0, me.getKey().lastIndexOf('/'));
                w.write(key + " " + e.hash.mechanism + " " + e.iterations + " " + e.salt + " " + enc.encodeToString(e.salted));
                w.newLine();
            }
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        dirty = false;
    }
}
