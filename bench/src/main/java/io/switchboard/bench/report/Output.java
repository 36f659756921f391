package io.switchboard.bench.report;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a run's figures go: JSON lines (one per measurement: per-second samples, then the
 * result) on standard output and, when a file is given, appended to it; the Markdown table at the
 * end on standard output. Progress for humans goes to standard error.
 */
public final class Output {

    private final PrintStream out;
    private final PrintStream err;
    private final Path file;
    private final boolean samplesToStdout;
    private final List<Map<String, Object>> results = new ArrayList<>();

    public Output(PrintStream out, PrintStream err, Path file, boolean samplesToStdout) {
        this.out = out;
        this.err = err;
        this.file = file;
        this.samplesToStdout = samplesToStdout;
    }

    /** Output that keeps results only (tests). */
    public static Output quiet() {
        PrintStream nowhere = new PrintStream(PrintStream.nullOutputStream(), false, StandardCharsets.UTF_8);
        return new Output(nowhere, nowhere, null, false);
    }

    public void progress(String line) {
        err.println("bench: " + line);
        err.flush();
    }

    public void sample(Map<String, Object> sample) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "sample");
        m.putAll(sample);
        line(m, samplesToStdout);
    }

    public void result(Map<String, Object> result) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "result");
        m.putAll(result);
        results.add(m);
        line(m, true);
    }

    public List<Map<String, Object>> results() {
        return results;
    }

    private void line(Map<String, Object> m, boolean toStdout) {
        String json = Json.write(m);
        if (toStdout) {
            out.println(json);
            out.flush();
        }
        if (file != null) {
            try {
                Path parent = file.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                Files.writeString(file, json + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    public void markdown(String text) {
        out.println();
        out.println(text);
        out.flush();
    }
}
