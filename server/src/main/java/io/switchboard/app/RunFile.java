package io.switchboard.app;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;

/** {@code data-dir/switchboard.run}: the running server's pid and ports, for {@code status}. */
final class RunFile {

    record Info(long pid, String domain, int c2sPort, int c2sTlsPort) {
        boolean alive() {
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }
    }

    private final Path file;

    RunFile(Path dataDir) {
        this.file = dataDir.resolve("switchboard.run");
    }

    Info read() {
        if (!Files.exists(file)) {
            return null;
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
            return new Info(Long.parseLong(p.getProperty("pid")), p.getProperty("domain"),
                    Integer.parseInt(p.getProperty("c2s-port")), Integer.parseInt(p.getProperty("c2s-tls-port")));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    void write(Info i) {
        Properties p = new Properties();
        p.setProperty("pid", Long.toString(i.pid()));
        p.setProperty("domain", i.domain());
        p.setProperty("c2s-port", Integer.toString(i.c2sPort()));
        p.setProperty("c2s-tls-port", Integer.toString(i.c2sTlsPort()));
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling("switchboard.run.tmp");
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                p.store(w, "Switchboard run file: written at start, removed at stop");
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    void delete() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // Stale run files are detected by the dead pid.
        }
    }
}
