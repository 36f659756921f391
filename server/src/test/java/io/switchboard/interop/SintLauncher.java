package io.switchboard.interop;

import eu.geekplace.javapinning.java7.Java7Pinning;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import javax.net.ssl.X509TrustManager;
import org.igniterealtime.smack.inttest.Configuration;
import org.igniterealtime.smack.inttest.SmackIntegrationTestFramework;
import org.igniterealtime.smack.inttest.XmppConnectionDescriptor;
import org.igniterealtime.smack.inttest.XmppConnectionManager;
import org.jivesoftware.smack.AbstractXMPPConnection;
import org.jivesoftware.smack.ConnectionConfiguration;
import org.jivesoftware.smack.XMPPConnectionRegistry;
import org.jivesoftware.smack.c2s.ModularXmppClientToServerConnection;
import org.jivesoftware.smack.c2s.ModularXmppClientToServerConnectionConfiguration;
import org.jivesoftware.smack.compression.CompressionModuleDescriptor;
import org.jivesoftware.smack.filter.StanzaFilter;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smack.tcp.XMPPTCPConnectionConfiguration;
import org.jivesoftware.smack.websocket.java11.Java11WebSocketFactory;
import org.jivesoftware.smack.websocket.okhttp.OkHttpWebSocketFactory;
import org.jivesoftware.smackx.iqregister.AccountManager;
import org.jivesoftware.smackx.iqregister.packet.Registration;

/**
 * Main class of one SINT child JVM, started by {@link InteropIT} for one test class. It wraps the framework's own
 * {@code main} to get round three things SINT 4.5.0-beta5 cannot do by configuration:
 * <ul>
 *   <li>there is no port setting ({@code sinttest.host} only names the address, the port stays 5222): the
 *       connection descriptors {@code tcp}, {@code modular} and {@code modular-nocompress} are re-registered
 *       under the same nicknames with the port from {@code -Dinterop.port};</li>
 *   <li>a RuntimeException inside a test aborts the run without calling the result processors: the partial
 *       result is processed anyway and an {@code ABORT} line names the test that was running;</li>
 *   <li>{@code sinttest.serviceTlsPin} has no effect: the framework hands Smack an SSLContext initialised with
 *       a pinning trust manager, and Smack's {@code ConnectionConfiguration.getSmackTlsContext} initialises that
 *       context again with the default trust managers. The same pin is therefore also installed as the
 *       connections' custom trust manager ({@code setCustomX509TrustManager}), which Smack does keep;</li>
 *   <li>the framework's final account clean-up costs a 5 s timeout per connection with Smack 4.5.0-beta5 (see
 *       {@link #shortenWaitAfterAccountRemoval}); {@code -Dinterop.cleanupReplyTimeout=<ms>} shortens it;</li>
 *   <li>with {@code securityMode=disabled} and in-band registration the framework builds its AccountManager
 *       before allowing insecure registration ({@code -Dinterop.insecureRegistration=true} allows it first).</li>
 * </ul>
 * All other configuration comes from {@code -Dsinttest.*} system properties, as for the framework itself.
 */
public final class SintLauncher {

    static final String PORT_PROPERTY = "interop.port";
    static final String INSECURE_REGISTRATION_PROPERTY = "interop.insecureRegistration";
    static final String TEST_CLASS_PROPERTY = "interop.testClass";
    static final String CLEANUP_TIMEOUT_PROPERTY = "interop.cleanupReplyTimeout";

    /** Exit codes, as the framework's main: 0 no failure, 2 failures, 1 aborted. */
    static final int EXIT_OK = 0;
    static final int EXIT_ABORTED = 1;
    static final int EXIT_FAILURES = 2;

    /** Held strongly: java.util.logging keeps loggers only weakly. */
    private static final Logger FRAMEWORK_LOG = Logger.getLogger(SmackIntegrationTestFramework.class.getName());

    private static volatile String lastStarted;

    private SintLauncher() {
    }

    public static void main(String[] args) {
        int exit;
        try {
            exit = run(args);
        } catch (Throwable t) {
            // Even the set-up failed: say so in the result file, the parent reports it.
            ResultLines.append(ResultLines.ABORT, System.getProperty(TEST_CLASS_PROPERTY, "?"), ResultLines.WHOLE_CLASS,
                    ResultLines.describe(t));
            t.printStackTrace();
            exit = EXIT_ABORTED;
        }
        System.out.flush();
        System.err.flush();
        System.exit(exit);
    }

    private static int run(String[] args) throws Exception {
        int port = Integer.parseInt(System.getProperty(PORT_PROPERTY, "5222"));
        String pin = System.getProperty("sinttest.serviceTlsPin");
        X509TrustManager trust = pin == null || pin.isBlank() ? null : Java7Pinning.trustManagerForPin(pin.trim());
        registerConnectionDescriptors(port, trust);
        long cleanupTimeout = Long.getLong(CLEANUP_TIMEOUT_PROPERTY, 0);
        if (cleanupTimeout > 0) {
            shortenWaitAfterAccountRemoval(cleanupTimeout);
        }
        if (Boolean.getBoolean(INSECURE_REGISTRATION_PROPERTY)) {
            AccountManager.sensitiveOperationOverInsecureConnectionDefault(true);
        }
        FRAMEWORK_LOG.addHandler(new StartRecorder());

        Configuration config = Configuration.newConfiguration(args);
        Framework framework = new Framework(config);
        SmackIntegrationTestFramework.TestRunResult result;
        Throwable abort = null;
        try {
            result = framework.run();
        } catch (Throwable t) {
            abort = t;
            result = framework.partialResult();
        }

        if (result != null) {
            for (SmackIntegrationTestFramework.TestRunResultProcessor processor : config.testRunResultProcessors) {
                try {
                    processor.process(result);
                } catch (RuntimeException e) {
                    FRAMEWORK_LOG.log(Level.WARNING, "Result processor " + processor + " failed", e);
                }
            }
        }
        if (abort != null) {
            FRAMEWORK_LOG.log(Level.SEVERE, "The framework aborted the run", abort);
            String culprit = lastStarted;
            if (culprit == null || (result != null && hasResult(result, culprit))) {
                culprit = ResultLines.WHOLE_CLASS;
            }
            ResultLines.append(ResultLines.ABORT, System.getProperty(TEST_CLASS_PROPERTY, "?"), culprit,
                    ResultLines.describe(abort));
            return EXIT_ABORTED;
        }
        return result.getFailedTests().isEmpty() ? EXIT_OK : EXIT_FAILURES;
    }

    private static boolean hasResult(SmackIntegrationTestFramework.TestRunResult result, String method) {
        return result.getSuccessfulTests().stream().anyMatch(t -> t.concreteTest.getMethod().getName().equals(method))
                || result.getFailedTests().stream().anyMatch(t -> t.concreteTest.getMethod().getName().equals(method))
                || result.getNotPossibleTests().stream().anyMatch(t -> t.concreteTest.getMethod().getName().equals(method));
    }

    /**
     * The standard descriptors, plus the port and the pinning trust manager: same nicknames, so they replace the
     * built-in ones. The WebSocket ones are only removed and added again after the others, so that "modular"
     * stays the first descriptor of its connection class (what the specific low-level tests use).
     */
    private static void registerConnectionDescriptors(int port, X509TrustManager trust)
            throws ReflectiveOperationException {
        XmppConnectionManager.removeConnectionDescriptor("modular-websocket-okhttp");
        XmppConnectionManager.removeConnectionDescriptor("modular-websocket-java11");
        XmppConnectionManager.addConnectionDescriptor(
                XmppConnectionDescriptor.buildWith(XMPPTCPConnection.class, XMPPTCPConnectionConfiguration.class,
                                XMPPTCPConnectionConfiguration.Builder.class)
                        .withNickname("tcp")
                        .applyExtraConfiguration(b -> endpoint(b, port, trust))
                        .build());
        XmppConnectionManager.addConnectionDescriptor(
                XmppConnectionDescriptor.buildWith(ModularXmppClientToServerConnection.class,
                                ModularXmppClientToServerConnectionConfiguration.class,
                                ModularXmppClientToServerConnectionConfiguration.Builder.class)
                        .withNickname("modular")
                        .applyExtraConfiguration(b -> endpoint(b, port, trust))
                        .build());
        XmppConnectionManager.addConnectionDescriptor(
                XmppConnectionDescriptor.buildWith(ModularXmppClientToServerConnection.class,
                                ModularXmppClientToServerConnectionConfiguration.class,
                                ModularXmppClientToServerConnectionConfiguration.Builder.class)
                        .withNickname("modular-nocompress")
                        .applyExtraConfiguration(b -> endpoint(b, port, trust).removeModule(CompressionModuleDescriptor.class))
                        .build());
        XmppConnectionManager.addConnectionDescriptor(
                XmppConnectionDescriptor.buildWebsocketDescriptor("modular-websocket-okhttp", OkHttpWebSocketFactory.class));
        XmppConnectionManager.addConnectionDescriptor(
                XmppConnectionDescriptor.buildWebsocketDescriptor("modular-websocket-java11", Java11WebSocketFactory.class));
    }

    /**
     * Smack 4.5.0-beta5 waits a full reply timeout in {@code disconnect()} when the server answers an account
     * removal with the {@code <not-authorized/>} stream error XEP-0077 §3.2 asks for: its reader stops at the
     * stream error without noting the {@code </stream:stream>} after it, and ignores the error because the
     * connection is already closing ({@code XMPPTCPConnection.PacketReader}: "Ignoring ... as reader was already
     * shut down"). The framework removes every account at the end of a run, so each connection costs 5 s. Once a
     * connection has sent its {@code <remove/>} (only the framework's clean-up does), its reply timeout is
     * lowered, which changes nothing before that point.
     */
    private static void shortenWaitAfterAccountRemoval(long millis) {
        StanzaFilter removal = stanza -> stanza instanceof Registration r && r.getAttributes() != null
                && r.getAttributes().containsKey("remove");
        XMPPConnectionRegistry.addConnectionCreationListener(connection -> {
            if (connection instanceof AbstractXMPPConnection c) {
                c.addStanzaSendingListener(stanza -> c.setReplyTimeout(millis), removal);
            }
        });
    }

    private static <B extends ConnectionConfiguration.Builder<B, ?>> B endpoint(B builder, int port,
            X509TrustManager trust) {
        builder.setPort(port);
        if (trust != null) {
            builder.setCustomX509TrustManager(trust);
        }
        return builder;
    }

    /** Gives access to the result collected so far when {@code run()} throws. */
    private static final class Framework extends SmackIntegrationTestFramework {
        Framework(Configuration config) {
            super(config);
        }

        TestRunResult partialResult() {
            return testRunResult;
        }
    }

    /** Notes each "&lt;Class&gt;.&lt;method&gt; (&lt;type&gt;) Start" the framework logs, and writes a START line. */
    private static final class StartRecorder extends Handler {
        @Override
        public void publish(LogRecord record) {
            String message = record.getMessage();
            if (message == null || !message.endsWith(" Start") || message.startsWith("SmackIntegrationTestFramework")) {
                return;
            }
            int dot = message.indexOf('.');
            int paren = message.indexOf(" (");
            if (dot < 0 || paren < dot) {
                return;
            }
            String method = message.substring(dot + 1, paren);
            lastStarted = method;
            ResultLines.append(ResultLines.START, System.getProperty(TEST_CLASS_PROPERTY, "?"), method);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
