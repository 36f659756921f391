package io.switchboard.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.ext.push.PushModule;
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
 * A 1:1 message between two online accounts reads nothing from storage: block lists, archive
 * preferences, rosters and push registrations of online accounts are cached from their bind on;
 * only the archive writer appends, in batches, on its own thread.
 */
class OnlineMessagePathIT {

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

    static RawClient login(TestServer server, String user, String resource) throws Exception {
        RawClient c = RawClient.connect(server.c2sPort())
                .loginAndBind(server.clientSslContext(), D, user, user + "-pw", resource);
        c.send("<presence/>");
        c.element(Ns.CLIENT, "presence");
        return c;
    }

    @Test
    void messagesBetweenOnlineAccountsReadNoStorage() throws Exception {
        Queue<StoreCall> calls = new ConcurrentLinkedQueue<>();
        PushModule push = new PushModule();
        try (TestServer server = TestServer.start(Map.of(), c -> recording(new InMemoryStorage(), calls),
                List.of(push))) {
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
                // Only the archive writer touches storage, in batches, off the message's path.
                assertThat(new ArrayList<>(calls)).allSatisfy(c -> {
                    assertThat(c.method()).isEqualTo("MessageArchive.append");
                    assertThat(c.thread()).isEqualTo("archive-writer");
                });
            }
        }
    }
}
