package io.switchboard.interop;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Runs one SINT test class in child JVMs ({@link SintLauncher}) and turns their result files into outcomes.
 * A child that aborts or exceeds its time limit is killed (by its own process) and the class is resumed
 * with the methods that have no result yet, so one bad test cannot hide the others.
 */
final class SintRunner {

    private final Path workDir;
    private final Path argFile;
    private final Map<String, String> sinttest;
    private final Map<String, String> launcher;
    private final Duration timeout;

    /**
     * @param workDir   where result files and child logs go
     * @param classPath the class path of the children (this JVM's test class path)
     * @param sinttest  framework settings, passed as {@code -Dsinttest.<key>=<value>}
     * @param launcher  other system properties of the children ({@code interop.port} and so on)
     * @param timeout   time limit of one child JVM
     */
    SintRunner(Path workDir, String classPath, Map<String, String> sinttest, Map<String, String> launcher,
            Duration timeout) throws IOException {
        this.workDir = workDir;
        this.sinttest = Map.copyOf(sinttest);
        this.launcher = Map.copyOf(launcher);
        this.timeout = timeout;
        Files.createDirectories(workDir.resolve("logs"));
        Files.createDirectories(workDir.resolve("results"));
        // An argument file keeps the command line short whatever the class path (and works on Windows).
        this.argFile = workDir.resolve("classpath.args");
        Files.writeString(argFile, "-cp\n\"" + classPath.replace("\\", "\\\\") + "\"\n", StandardCharsets.UTF_8);
    }

    Outcomes.TestClass run(SintCatalog.TestClass testClass) throws IOException, InterruptedException {
        long start = System.nanoTime();
        Map<String, Outcomes.Test> results = new LinkedHashMap<>();
        Set<String> remaining = new LinkedHashSet<>(testClass.methods());
        List<String> logs = new ArrayList<>();
        int runs = 0;
        boolean firstRun = true;
        while ((firstRun || !remaining.isEmpty()) && runs <= testClass.methods().size()) {
            runs++;
            String enabled = firstRun ? testClass.name()
                    : remaining.stream().map(m -> testClass.name() + "." + m).collect(Collectors.joining(","));
            firstRun = false;
            String tag = testClass.simpleName() + (runs == 1 ? "" : "-" + runs);
            Path resultFile = workDir.resolve("results").resolve(tag + ".tsv");
            Path log = workDir.resolve("logs").resolve(tag + ".log");
            Files.deleteIfExists(resultFile);
            logs.add(workDir.relativize(log).toString().replace('\\', '/'));

            Child child = launch(testClass, enabled, resultFile, log);

            String lastStarted = null;
            String abortedAt = null;
            String abortReason = null;
            for (String[] event : ResultLines.read(resultFile)) {
                String kind = event[0];
                String method = event[2];
                String detail = event.length > 3 ? event[3] : "";
                switch (kind) {
                    case ResultLines.START -> lastStarted = method;
                    case ResultLines.PASS -> record(results, remaining, method, Outcomes.Status.PASS, "", parseLong(detail));
                    case ResultLines.FAIL -> record(results, remaining, method, Outcomes.Status.FAIL, detail, 0);
                    case ResultLines.NOT_POSSIBLE -> {
                        if (ResultLines.WHOLE_CLASS.equals(method)) {
                            for (String m : List.copyOf(remaining)) {
                                record(results, remaining, m, Outcomes.Status.NOT_POSSIBLE, "(whole class) " + detail, 0);
                            }
                        } else {
                            record(results, remaining, method, Outcomes.Status.NOT_POSSIBLE, detail, 0);
                        }
                    }
                    case ResultLines.ABORT -> {
                        abortedAt = method;
                        abortReason = detail;
                    }
                    default -> {
                        // Unknown lines are ignored.
                    }
                }
            }

            if (remaining.isEmpty()) {
                break;
            }
            // Something went wrong: find the test to blame and resume the others.
            String culprit = null;
            String reason;
            if (child.timedOut()) {
                culprit = lastStarted != null && remaining.contains(lastStarted) ? lastStarted : null;
                reason = "timeout: the child JVM was killed after " + timeout.toSeconds() + " s";
            } else if (abortReason != null) {
                if (abortedAt != null && remaining.contains(abortedAt)) {
                    culprit = abortedAt;
                } else if (lastStarted != null && remaining.contains(lastStarted)) {
                    culprit = lastStarted;
                }
                reason = "aborted the framework run: " + abortReason;
            } else {
                reason = "the child JVM ended (exit code " + child.exitCode() + ") without a result for this test";
            }
            if (culprit != null) {
                record(results, remaining, culprit, Outcomes.Status.FAIL, reason, 0);
                continue;
            }
            // Nothing to blame (e.g. account provisioning failed before any test started): no point retrying.
            Outcomes.Status status = abortReason != null || child.timedOut() ? Outcomes.Status.FAIL : Outcomes.Status.NOT_RUN;
            for (String m : List.copyOf(remaining)) {
                record(results, remaining, m, status, (abortReason != null ? "set-up " : "") + reason, 0);
            }
        }
        for (String m : List.copyOf(remaining)) {
            record(results, remaining, m, Outcomes.Status.NOT_RUN, "no result after " + runs + " child runs", 0);
        }
        List<Outcomes.Test> ordered = new ArrayList<>();
        for (String m : testClass.methods()) {
            ordered.add(results.get(m));
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        return new Outcomes.TestClass(testClass, List.copyOf(ordered), millis, runs, List.copyOf(logs));
    }

    /** Every method of the class, not run, with this reason. */
    static Outcomes.TestClass notRun(SintCatalog.TestClass testClass, String reason) {
        List<Outcomes.Test> tests = testClass.methods().stream()
                .map(m -> new Outcomes.Test(m, Outcomes.Status.NOT_RUN, reason, 0))
                .toList();
        return new Outcomes.TestClass(testClass, tests, 0, 0, List.of());
    }

    private static void record(Map<String, Outcomes.Test> results, Set<String> remaining, String method,
            Outcomes.Status status, String reason, long millis) {
        if (!remaining.remove(method)) {
            return; // not one we are waiting for (already recorded, or unknown)
        }
        results.put(method, new Outcomes.Test(method, status, reason, millis));
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private record Child(boolean timedOut, int exitCode) {
    }

    private Child launch(SintCatalog.TestClass testClass, String enabledTests, Path resultFile, Path log)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // Short-lived client JVMs: fast start beats peak performance.
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-XX:+UseSerialGC");
        command.add("-Xss512k");
        command.add("-Xmx256m");
        command.add("-Djava.util.logging.SimpleFormatter.format=%1$tT.%1$tL %4$s [%3$s] %5$s%6$s%n");
        command.add("@" + argFile.toAbsolutePath());
        for (Map.Entry<String, String> e : launcher.entrySet()) {
            command.add("-D" + e.getKey() + "=" + e.getValue());
        }
        command.add("-D" + ResultLines.RESULT_FILE_PROPERTY + "=" + resultFile.toAbsolutePath());
        command.add("-D" + SintLauncher.TEST_CLASS_PROPERTY + "=" + testClass.name());
        for (Map.Entry<String, String> e : sinttest.entrySet()) {
            command.add("-Dsinttest." + e.getKey() + "=" + e.getValue());
        }
        command.add("-Dsinttest.enabledTests=" + enabledTests);
        command.add(SintLauncher.class.getName());

        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Process process = pb.start();
        boolean done;
        try {
            done = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            // The whole run was cancelled: do not leave the child behind.
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw e;
        }
        if (!done) {
            long pid = process.pid();
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
            Files.writeString(log, "\n[interop] killed child JVM pid " + pid + " after " + timeout.toSeconds() + " s\n",
                    StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
            return new Child(true, -1);
        }
        return new Child(false, process.exitValue());
    }
}
