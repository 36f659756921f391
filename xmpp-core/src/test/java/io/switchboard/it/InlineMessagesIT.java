package io.switchboard.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.ext.push.PushModule;
import io.switchboard.module.ModuleContext;
import io.switchboard.module.ServerModule;
import io.switchboard.routing.MessageHook;
import io.switchboard.session.ClientSession;
import io.switchboard.stanza.Message;
import io.switchboard.store.Storage;
import io.switchboard.store.memory.InMemoryStorage;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.TestServer;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/**
 * {@code server.inline-messages}: a 1:1 message to an online local account is handled on the
 * network thread that read it, never touches storage there, and a session's stanzas keep their
 * order whichever thread handles each.
 */
class InlineMessagesIT {

    static final String D = TestServer.DOMAIN;

    /** Every storage call, with the thread that made it. */
    record StoreCall(String method, String thread) {
    }

    /** Real in-memory storage behind a recording proxy of each store interface. */
    static Storage recording(Storage real, Queue<StoreCall> calls) {
        return wrap(real, Storage.class, calls);
    }

    @SuppressWarnings("unchecked")
    static <T> T wrap(Object target, Class<T> type, Queue<StoreCall> calls) {
        InvocationHandler h = (proxy, method, args) -> {
            calls.add(new StoreCall(type.getSimpleName() + "." + method.getName(), Thread.currentThread().getName()));
            Object result;
            try {
                result = method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            Class<?> rt = method.getReturnType();
            if (result != null && rt.isInterface() && rt.getPackageName().equals("io.switchboard.store")) {
                return wrap(result, rt, calls);
            }
            return result;
        };
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[]{type}, h);
    }

    /** Records the thread on which each message from a client is handled. */
    static final class ThreadProbe implements ServerModule, MessageHook {
        final Queue<String> threads = new ConcurrentLinkedQueue<>();

        @Override
        public String name() {
            return "thread-probe";
        }

        @Override
        public void start(ModuleContext ctx) {
            ctx.router().addHook(this);
        }

        @Override
        public Message outgoing(ClientSession sender, Message m) {
            threads.add(Thread.currentThread().getName());
            return m;
        }
    }

    /**
     * An IQ handled by a worker that waits (at most a second) for the message sent right after it:
     * that message must not be handled before the IQ is done, so the wait always runs out.
     */
    static final class SlowIq implements ServerModule, MessageHook {
        final java.util.concurrent.CountDownLatch messageHandled = new java.util.concurrent.CountDownLatch(1);
        final Queue<String> order = new ConcurrentLinkedQueue<>();

        @Override
        public String name() {
            return "slow-iq";
        }

        @Override
        public void register(io.switchboard.handler.HandlerRegistry.Builder b, ModuleContext ctx) {
            b.account(io.switchboard.handler.IqKey.get("urn:test:slow", "query"), req -> {
                try {
                    boolean overtaken = messageHandled.await(1, java.util.concurrent.TimeUnit.SECONDS);
                    order.add(overtaken ? "iq (the message overtook it)" : "iq");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return req.iq().result();
            });
        }

        @Override
        public void start(ModuleContext ctx) {
            ctx.router().addHook(this);
        }

        @Override
        public Message outgoing(ClientSession sender, Message m) {
            order.add("message");
            messageHandled.countDown();
            return m;
        }
    }

    static RawClient login(TestServer server, String user, String resource) throws Exception {
        RawClient c = RawClient.connect(server.c2sPort())
                .loginAndBind(server.clientSslContext(), D, user, user + "-pw", resource);
        c.send("<presence/>");
        c.element(Ns.CLIENT, "presence");
        return c;
    }

    @Test
    void messagesToOnlineAccountsRunOnTheNetworkThreadAndNeverReadStorageThere() throws Exception {
        Queue<StoreCall> calls = new ConcurrentLinkedQueue<>();
        ThreadProbe probe = new ThreadProbe();
        PushModule push = new PushModule();
        try (TestServer server = TestServer.start(Map.of(), c -> recording(new InMemoryStorage(), calls),
                List.of(probe, push))) {
            server.addUser("alice", "alice-pw");
            server.addUser("bob", "bob-pw");
            try (RawClient alice = login(server, "alice", "a"); RawClient bob = login(server, "bob", "b")) {
                // Bob has a push registration: every message to him asks whether a device needs a push.
                bob.send("<iq type='set' id='push'><enable xmlns='urn:xmpp:push:0' jid='push." + D
                        + "' node='n1'/></iq>");
                assertThat(bob.element(Ns.CLIENT, "iq").attr("type")).isEqualTo("result");
                // Bob also blocks someone, so block lists are not trivially empty.
                bob.send("<iq type='set' id='bl'><block xmlns='urn:xmpp:blocking'><item jid='mallory@" + D
                        + "'/></block></iq>");
                assertThat(bob.element(Ns.CLIENT, "iq").attr("type")).isEqualTo("result");

                probe.threads.clear();
                calls.clear();
                StringBuilder burst = new StringBuilder();
                for (int i = 0; i < 50; i++) {
                    burst.append("<message type='chat' to='bob@").append(D).append("' id='m").append(i)
                            .append("'><body>").append(i).append("</body></message>");
                }
                alice.send(burst.toString());
                for (int i = 0; i < 50; i++) {
                    XmlElement m = bob.element(Ns.CLIENT, "message");
                    assertThat(m.attr("id")).isEqualTo("m" + i);
                }
            }
            assertThat(probe.threads).hasSize(50).allSatisfy(t -> assertThat(t).startsWith("NioProcessor"));
            assertThat(new ArrayList<>(calls)).noneSatisfy(c -> assertThat(c.thread()).startsWith("NioProcessor"));
        }
    }

    @Test
    void aSessionsStanzasKeepTheirOrderBetweenTheNetworkThreadAndTheWorkers() throws Exception {
        try (TestServer server = TestServer.start()) {
            server.addUser("carol", "carol-pw");
            try (RawClient carol = login(server, "carol", "c")) {
                // Messages to her own full JID are handled inline; pings to the server go to a worker.
                // Written at once, they must come back exactly in the order sent.
                StringBuilder burst = new StringBuilder();
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    burst.append("<message type='chat' to='carol@").append(D).append("/c' id='m").append(i)
                            .append("'><body>").append(i).append("</body></message>");
                    burst.append("<iq type='get' id='p").append(i).append("'><ping xmlns='urn:xmpp:ping'/></iq>");
                    expected.add("m" + i);
                    expected.add("p" + i);
                }
                carol.send(burst.toString());
                List<String> got = new ArrayList<>();
                while (got.size() < expected.size()) {
                    XmlElement e = carol.element();
                    if (e.is(Ns.CLIENT, "message") || e.is(Ns.CLIENT, "iq")) {
                        got.add(e.attr("id"));
                    }
                }
                assertThat(got).containsExactlyElementsOf(expected);
            }
        }
    }

    @Test
    void aMessageNeverOvertakesAnEarlierStanzaStillAtAWorker() throws Exception {
        SlowIq slow = new SlowIq();
        try (TestServer server = TestServer.start(Map.of(), c -> new InMemoryStorage(), List.of(slow))) {
            server.addUser("gus", "gus-pw");
            try (RawClient gus = login(server, "gus", "g")) {
                gus.send("<iq type='get' id='slow'><query xmlns='urn:test:slow'/></iq>"
                        + "<message type='chat' to='gus@" + D + "/g' id='after'><body>after</body></message>");
                assertThat(gus.element(Ns.CLIENT, "iq").attr("id")).isEqualTo("slow");
                assertThat(gus.element(Ns.CLIENT, "message").attr("id")).isEqualTo("after");
            }
            assertThat(new ArrayList<>(slow.order)).containsExactly("iq", "message");
        }
    }

    /**
     * Two sessions on different network threads writing to each other at once: each thread handles
     * its own session's messages and writes into the other's connection, so neither may hold its
     * session's TLS lock meanwhile (or both would wait for ever).
     */
    @Test
    void twoSessionsFloodingEachOtherOverTlsBothGetEverything() throws Exception {
        try (TestServer server = TestServer.start(Map.of("server.io-threads", "2"))) {
            server.addUser("hal", "hal-pw");
            server.addUser("ivy", "ivy-pw");
            try (RawClient hal = login(server, "hal", "h"); RawClient ivy = login(server, "ivy", "i")) {
                int n = 2000;
                String toIvy = burst("ivy", n);
                String toHal = burst("hal", n);
                Thread t = new Thread(() -> {
                    try {
                        hal.send(toIvy);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                t.start();
                ivy.send(toHal);
                t.join();
                for (int i = 0; i < n; i++) {
                    assertThat(ivy.element(Ns.CLIENT, "message").attr("id")).isEqualTo("m" + i);
                    assertThat(hal.element(Ns.CLIENT, "message").attr("id")).isEqualTo("m" + i);
                }
            }
        }
    }

    static String burst(String to, int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append("<message type='chat' to='").append(to).append('@').append(D).append("' id='m").append(i)
                    .append("'><body>").append("x".repeat(200)).append("</body></message>");
        }
        return b.toString();
    }

    @Test
    void withTheSettingOffMessagesGoToTheWorkers() throws Exception {
        ThreadProbe probe = new ThreadProbe();
        try (TestServer server = TestServer.start(Map.of("server.inline-messages", "false"),
                c -> new InMemoryStorage(), List.of(probe))) {
            server.addUser("dave", "dave-pw");
            server.addUser("erin", "erin-pw");
            try (RawClient dave = login(server, "dave", "d"); RawClient erin = login(server, "erin", "e")) {
                dave.send("<message type='chat' to='erin@" + D + "' id='x'><body>hi</body></message>");
                assertThat(erin.element(Ns.CLIENT, "message").attr("id")).isEqualTo("x");
            }
            assertThat(probe.threads).hasSize(1).allSatisfy(t -> assertThat(t).startsWith("xmpp-worker"));
        }
    }
}
