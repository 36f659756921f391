package io.switchboard.interop;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import io.switchboard.testing.TestServer;
import io.switchboard.tls.TlsMaterial;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jivesoftware.smack.Smack;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Interop run: every test class of the Smack Integration Test Framework (SINT 4.5.0-beta5) against an in-JVM
 * Switchboard, each class in its own child JVM, over STARTTLS with the server's self-signed certificate pinned.
 * Writes {@code target/interop/report.md} and {@code results.tsv}; fails when a test of a class in
 * {@link #MUST_PASS} does not pass, or when accounts registered in-band are left behind.
 *
 * <p>Properties (give them to Maven with {@code -D}):
 * <ul>
 *   <li>{@code interop.classes}: comma list of simple class names to run (default: all)</li>
 *   <li>{@code interop.parallel}: child JVMs at once (default 2)</li>
 *   <li>{@code interop.childTimeout}: seconds one child JVM may run (default 180)</li>
 *   <li>{@code interop.tls=false}: plaintext c2s and {@code securityMode=disabled} instead of STARTTLS</li>
 *   <li>{@code interop.runAll=true}: also run the classes in {@link #NOT_RUN}</li>
 *   <li>{@code interop.debug=true}: the children log every stanza ({@code sinttest.debugger=console})</li>
 *   <li>{@code interop.cleanupReplyTimeout}: ms a connection waits after its account removal (default 1000;
 *       0 keeps Smack's 5 s, see {@link SintLauncher})</li>
 * </ul>
 */
class InteropIT {

    /**
     * Classes every test of which must pass: they cover what the server implements today. Add a class here when
     * the feature it tests lands (MUC, MAM, PubSub/PEP, HTTP upload, carbons ...).
     */
    static final Set<String> MUST_PASS = Set.of(
            // RFC 6120: connection, STARTTLS, SASL, resource binding, stream close
            "org.jivesoftware.smack.LoginIntegrationTest",
            "org.jivesoftware.smack.XmppConnectionIntegrationTest",
            "org.jivesoftware.smack.c2s.SimpleXmppConnectionIntegrationTest",
            "org.jivesoftware.smack.c2s.ModularXmppClientToServerConnectionLowLevelIntegrationTest",
            "org.jivesoftware.smack.WaitForClosingStreamElementTest",
            // XEP-0198 stream management
            "org.jivesoftware.smack.StreamManagementTest",
            // XEP-0313 message archive
            "org.jivesoftware.smackx.mam.MamIntegrationTest",
            // XEP-0363 HTTP file upload
            "org.jivesoftware.smackx.httpfileupload.HttpFileUploadIntegrationTest",
            // XEP-0045 multi-user chat
            "org.jivesoftware.smackx.muc.MultiUserChatEntityIntegrationTest",
            "org.jivesoftware.smackx.muc.MultiUserChatIntegrationTest",
            "org.jivesoftware.smackx.muc.MultiUserChatLowLevelIntegrationTest",
            "org.jivesoftware.smackx.muc.MultiUserChatOccupantIntegrationTest",
            "org.jivesoftware.smackx.muc.MultiUserChatRolesAffiliationsPrivilegesIntegrationTest",
            "org.jivesoftware.smackx.muc.ParticipantStatusIntegrationTest",
            "org.jivesoftware.smackx.muc.UserStatusIntegrationTest",
            // RFC 6121: messages, roster, subscriptions, presence
            "org.jivesoftware.smack.chat2.IncomingMessageListenerIntegrationTest",
            "org.jivesoftware.smack.chat2.OutgoingMessageListenerIntegrationTest",
            "org.jivesoftware.smack.ChatTest",
            "org.jivesoftware.smack.roster.RosterIntegrationTest",
            "org.jivesoftware.smack.roster.LowLevelRosterIntegrationTest",
            // XEPs the server answers itself
            "org.jivesoftware.smackx.ping.PingIntegrationTest",
            "org.jivesoftware.smackx.iqversion.VersionIntegrationTest",
            // XEPs between clients: the server routes messages, presence and IQs to full JIDs
            "org.jivesoftware.smackx.chatstate.ChatStateIntegrationTest",
            "org.jivesoftware.smackx.softwareInfo.SoftwareInfoIntegrationTest",
            "org.jivesoftware.smackx.caps.EntityCapsTest",
            "org.jivesoftware.smackx.commands.AdHocCommandIntegrationTest",
            "org.jivesoftware.smackx.xdata.FormTest",
            "org.jivesoftware.smackx.iot.IoTControlIntegrationTest",
            "org.jivesoftware.smackx.iot.IoTDataIntegrationTest");

    /**
     * Tests of must-pass classes whose outcome depends on a race inside the test or the client, not on the
     * server, with the reason; they are run and reported, and do not fail the build.
     */
    static final Map<String, String> RACY = Map.of(
            "RosterIntegrationTest.testPresenceDeliveredToRecipient",
            "the test first removes each account from the other's roster, which makes the server send 'unsubscribe' and"
                    + " 'unsubscribed' to the other account (RFC 6121 §2.5.2) before it answers the removal; the test then"
                    + " registers a listener for any presence from account one, which sees that earlier 'unsubscribe' when"
                    + " Smack's asynchronous dispatch on account two has not yet handled it (seen once in about ten runs);"
                    + " delivery of a subscription request is asserted by xmpp-core's ImIT",
            "LowLevelRosterIntegrationTest.testPresenceEventListenersOffline",
            "the test disconnects its second connection and, in its finally block, connects and logs it in again; Smack"
                    + " 4.5.0-beta5's XMPPTCPConnection starts the writer of a reconnected connection before its reader has"
                    + " queued the stream header, so a stanza another thread sends in that window (a late listener or IQ"
                    + " answer) is written before the header, and the server answers invalid-namespace as RFC 6120 §4.9.3.10"
                    + " asks (seen once in CI; a stress run that sends from a second thread while reconnecting gets it in 6 of"
                    + " 8 reconnects, with 0 of 400 without that thread); the unavailable presence this test checks is"
                    + " asserted by xmpp-core's ImIT, the server's parsing of fragmented logins by LoginFragmentationStressIT",
            "MultiUserChatOccupantIntegrationTest.mucMaxUsersLimitJoinRoomTest",
            "the test waits for the refused occupant's participant listener to see the error presence, but Smack's"
                    + " MultiUserChat.join removes that listener when the error arrives, racing the listener's asynchronous"
                    + " delivery (the test's own comment: 'This is not watertight though'); the refusal itself"
                    + " (service-unavailable, XEP-0045 §7.2.9) is asserted by muc/MucLimitsIT",
            "MultiUserChatOccupantIntegrationTest.mucLeaveTest",
            "a lock-order race inside Smack 4.5.0-beta5, in the test's clean-up: the leave's reflected self-presence"
                    + " (110) is handed to MultiUserChat's presence listener, which calls the synchronized userHasLeft()"
                    + " while Smack's reader thread waits for that listener (AbstractXMPPConnection runs such listeners"
                    + " and waits on a semaphore); when the test thread's rejoin in its finally block takes the"
                    + " MultiUserChat monitor first, the reader stays blocked, the room's answer is not read, and the"
                    + " rejoin times out after 5 s (thread dump and stanza log in docs/interop.md); the leave itself had"
                    + " succeeded; the sole owner's leave of a locked room and the rejoin are asserted by muc/MucIT",
            "MultiUserChatOccupantIntegrationTest.mucJoinPresenceInformationTest",
            "the test adds a participant listener, calls join() and at once counts the presences that listener saw;"
                    + " Smack 4.5 returns from join() when its collector, fed on the reader thread, has the self-presence,"
                    + " while participant listeners run later on Smack's listener executor (XMPPConnection.addStanzaListener),"
                    + " so the count can be taken before the earlier occupants' presences, which the server sent first, are"
                    + " handed to the listener (seen twice, 2 of 3 counted); the join sequence (every occupant's presence,"
                    + " then the self-presence with 110) is asserted by muc/MucIT",
            "ModularXmppClientToServerConnectionLowLevelIntegrationTest.testDisconnectAfterConnect",
            "Smack's non-blocking (modular) connection sometimes stops reading or writing during or right after"
                    + " STARTTLS: when an SSLEngine task finishes on another thread while its reactor runs the channel's"
                    + " callback, the callback is rejected ('rejected-channel-selected-callbacks' in its statistics) and"
                    + " the channel is not served again; xmpp-core's ModularClientTlsIT sees it in a few of 48 rounds and"
                    + " checks each time that the server has decoded all the client sent and written its answer"
                    + " (features included), and TlsHandshakeRaceIT that every TLS client sending its stream header"
                    + " with its last handshake flight gets its features");

    /** Classes not run by default, with the reason written into the report. */
    static final Map<String, String> NOT_RUN = Map.of(
            "org.jivesoftware.smackx.filetransfer.FileTransferIntegrationTest",
            "skipped by InteropIT.NOT_RUN: client-to-client file transfer (XEP-0096 over XEP-0065/XEP-0047) can block"
                    + " for 2 x 360 s when the transfer cannot happen, which alone would exceed the CI budget;"
                    + " run it with -Dinterop.runAll=true");

    private static final String DOMAIN = "example.test";

    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES) // the build's default (3 min) is for unit tests
    void smackIntegrationTestFramework() throws Exception {
        long started = System.nanoTime();
        Path out = Path.of(System.getProperty("interop.outputDirectory", "target/interop"));
        TestServer.deleteTree(out);
        Files.createDirectories(out);

        boolean tls = !"false".equalsIgnoreCase(System.getProperty("interop.tls"));
        int parallel = Integer.getInteger("interop.parallel", 2);
        Duration childTimeout = Duration.ofSeconds(Integer.getInteger("interop.childTimeout", 180));
        boolean runAll = Boolean.getBoolean("interop.runAll");
        long cleanupTimeout = Long.getLong("interop.cleanupReplyTimeout", 1000);
        Set<String> only = Arrays.stream(System.getProperty("interop.classes", "").split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toSet());

        List<SintCatalog.TestClass> catalog = SintCatalog.scan();
        assertFalse(catalog.isEmpty(), "no test classes found in the smack-integration-test jar");
        List<String> problems = new ArrayList<>();
        for (String name : MUST_PASS) {
            if (catalog.stream().noneMatch(c -> c.name().equals(name))) {
                problems.add(name + ": must pass, but the class is not in the smack-integration-test jar");
            }
        }

        Map<String, String> settings = new HashMap<>();
        settings.put("domain", DOMAIN);
        settings.put("registration.open", "true");
        settings.put("registration.max-per-ip-per-hour", "0");
        // SINT keeps its registration connection open, unauthenticated, for the whole run.
        settings.put("c2s.pre-auth-timeout", "1h");
        settings.put("auth.failures-before-delay", "1000");
        // HTTP upload over plain HTTP on loopback: the framework's HTTP client would not trust the
        // self-signed certificate, and example.test does not resolve.
        int httpPort = freePort();
        settings.put("http.port", Integer.toString(httpPort));
        settings.put("http.tls", "false");
        settings.put("http.public-url", "http://127.0.0.1:" + httpPort);
        if (!tls) {
            settings.put("c2s.require-tls", "false");
        }

        List<Outcomes.TestClass> outcomes;
        long accountsLeft;
        List<String> leftOver;
        String pin;
        // The distribution's modules (group chat, PEP, upload ...), as ./switchboard start runs them.
        List<String> streamErrors;
        try (StreamErrorLog closes = new StreamErrorLog();
                TestServer server = TestServer.start(settings, c -> new io.switchboard.store.memory.InMemoryStorage(),
                io.switchboard.app.Modules.all())) {
            pin = "CERTSHA256:" + TlsMaterial.fingerprint(server.server().tls().material().certificate());

            Map<String, String> sinttest = new LinkedHashMap<>();
            sinttest.put("service", DOMAIN);
            sinttest.put("host", "127.0.0.1");
            if (tls) {
                sinttest.put("securityMode", "required");
                sinttest.put("serviceTlsPin", pin);
            } else {
                sinttest.put("securityMode", "disabled");
            }
            sinttest.put("replyTimeout", "5000");
            sinttest.put("dnsResolver", "javax");
            sinttest.put("enabledConnections", "tcp");
            sinttest.put("defaultConnection", "tcp");
            sinttest.put("testRunResultProcessors", ResultFileProcessor.class.getName() + ","
                    + "org.igniterealtime.smack.inttest.SmackIntegrationTestFramework$JulTestRunResultProcessor");
            if (Boolean.getBoolean("interop.debug")) {
                sinttest.put("debugger", "console");
            }
            Map<String, String> launcher = new LinkedHashMap<>();
            launcher.put(SintLauncher.PORT_PROPERTY, Integer.toString(server.c2sPort()));
            launcher.put(SintLauncher.INSECURE_REGISTRATION_PROPERTY, Boolean.toString(!tls));
            launcher.put(SintLauncher.CLEANUP_TIMEOUT_PROPERTY, Long.toString(cleanupTimeout));

            SintRunner runner = new SintRunner(out, childClassPath(), sinttest, launcher, childTimeout);
            outcomes = runAll(catalog, runner, only, runAll, parallel);
            accountsLeft = server.server().storage().users().count();
            leftOver = server.server().storage().users().list(0, 1000).stream().map(Object::toString).toList();
            streamErrors = closes.lines();
        }

        Duration took = Duration.ofNanos(System.nanoTime() - started);
        for (Outcomes.TestClass c : outcomes) {
            if (!MUST_PASS.contains(c.testClass().name())) {
                continue;
            }
            for (Outcomes.Test t : c.tests()) {
                if (t.status() != Outcomes.Status.PASS && !RACY.containsKey(c.testClass().simpleName() + "." + t.method())) {
                    problems.add(c.testClass().simpleName() + "." + t.method() + " " + t.status().label + ": " + t.reason());
                }
            }
        }
        // The three main accounts of every child run are registered, logged in and removed over their own
        // connection: any of them left means the in-band <remove/> (XEP-0077 §3.2) did not work. Accounts of
        // low-level tests ("sinttest-<run>-<n>") are also registered for connections the test never logs in
        // with or has closed, which the framework then cannot remove (XmppConnectionManager.constructConnection
        // and disconnectAndCleanup): those are only reported.
        boolean killed = outcomes.stream().flatMap(c -> c.tests().stream()).anyMatch(t -> t.reason().startsWith("timeout"));
        List<String> mainLeft = leftOver.stream().filter(j -> j.startsWith("smack-inttest-")).toList();
        if (!mainLeft.isEmpty() && !killed) {
            problems.add(mainLeft.size() + " main account(s) left on the server after the run (" + String.join(", ", mainLeft)
                    + "): the framework removes each with an in-band <remove/> over its own connection (XEP-0077 §3.2)");
        }

        Map<String, String> header = new LinkedHashMap<>();
        header.put("Date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        header.put("Framework", "smack-integration-test " + Smack.getVersion() + " (per-class child JVMs, tcp connection)");
        header.put("Server", "in-JVM Switchboard with the distribution's modules, domain " + DOMAIN
                + ", memory storage, in-band registration");
        header.put("Transport", tls ? "STARTTLS required, self-signed certificate pinned (" + pin + ")"
                : "plaintext c2s (c2s.require-tls=false, securityMode=disabled)");
        header.put("Run time", String.format(java.util.Locale.ROOT, "%.1f s wall clock, %d child JVMs at once, %d s limit per child",
                took.toMillis() / 1000.0, parallel, childTimeout.toSeconds()));
        header.put("Server log", "target/failsafe-reports/" + InteropIT.class.getName() + "-output.txt");
        header.put("Accounts left after the run", accountsLeft == 0 ? "0"
                : accountsLeft + " (" + String.join(", ", leftOver.subList(0, Math.min(10, leftOver.size())))
                        + (accountsLeft > 10 ? ", …" : "") + "; low-level test accounts the framework cannot remove,"
                        + " see InteropIT)");
        header.put("Clean-up", cleanupTimeout > 0
                ? "reply timeout lowered to " + cleanupTimeout + " ms once a connection has sent its account <remove/>"
                        + " (Smack waits 5 s per connection otherwise, see SintLauncher)"
                : "framework default");
        header.put("Streams the server closed with an error", streamErrors.isEmpty() ? "none"
                : streamErrors.size() + " (first " + Math.min(40, streamErrors.size()) + " below the problems)");
        InteropReport.write(out, outcomes, MUST_PASS, header, problems, streamErrors);

        Map<Outcomes.Status, Long> totals = InteropReport.totals(outcomes);
        System.out.println("[interop] " + totals + " in " + took.toSeconds() + " s; report: " + out.resolve("report.md").toAbsolutePath());
        if (!problems.isEmpty()) {
            fail("Interop: " + problems.size() + " must-pass problem(s), see " + out.resolve("report.md") + ":\n  "
                    + String.join("\n  ", problems)
                    + (streamErrors.isEmpty() ? "" : "\nstreams the server closed with an error during the run:\n  "
                            + String.join("\n  ", streamErrors)));
        }
    }

    private static List<Outcomes.TestClass> runAll(List<SintCatalog.TestClass> catalog, SintRunner runner,
            Set<String> only, boolean runAll, int parallel) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, parallel));
        try {
            // Longest first, so that the tail of the run is short.
            List<SintCatalog.TestClass> order = new ArrayList<>(catalog);
            order.sort((a, b) -> Integer.compare(b.methods().size(), a.methods().size()));
            Map<String, Future<Outcomes.TestClass>> byName = new HashMap<>();
            for (SintCatalog.TestClass c : order) {
                if (!only.isEmpty() && !only.contains(c.simpleName())) {
                    continue;
                }
                if (!runAll && NOT_RUN.containsKey(c.name())) {
                    continue;
                }
                byName.put(c.name(), pool.submit(() -> runner.run(c)));
            }
            List<Outcomes.TestClass> outcomes = new ArrayList<>();
            for (SintCatalog.TestClass c : catalog) {
                Future<Outcomes.TestClass> f = byName.get(c.name());
                if (f != null) {
                    outcomes.add(f.get());
                } else if (only.isEmpty() || only.contains(c.simpleName())) {
                    outcomes.add(SintRunner.notRun(c, NOT_RUN.getOrDefault(c.name(), "not selected")));
                }
            }
            return outcomes;
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(1, TimeUnit.MINUTES);
        }
    }

    /** The test class path of this JVM (failsafe sets java.class.path to it), for the child JVMs. */
    private static String childClassPath() {
        String cp = System.getProperty("java.class.path", "");
        if (!cp.contains("smack-integration-test")) {
            cp = System.getProperty("surefire.test.class.path", cp);
        }
        if (!cp.contains("smack-integration-test")) {
            throw new IllegalStateException("smack-integration-test is not on the class path: " + cp);
        }
        // The jars of this module's own classes must be there too (SintLauncher, ResultFileProcessor).
        return Arrays.stream(cp.split(File.pathSeparator)).filter(s -> !s.isBlank())
                .collect(Collectors.joining(File.pathSeparator));
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
