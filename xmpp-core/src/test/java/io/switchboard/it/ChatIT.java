package io.switchboard.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.Clients;
import io.switchboard.testing.TestServer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jivesoftware.smack.chat2.ChatManager;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.jxmpp.jid.impl.JidCreate;

class ChatIT {

    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start();
        server.addUser("alice", "alice-pw");
        server.addUser("bob", "bob-pw");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void twoClientsChatOverStartTls() throws Exception {
        XMPPTCPConnection alice = Clients.login(server, "alice", "alice-pw", "phone");
        XMPPTCPConnection bob = Clients.login(server, "bob", "bob-pw", "laptop");
        try {
            assertThat(alice.isSecureConnection()).isTrue();
            BlockingQueue<Message> got = new ArrayBlockingQueue<>(10);
            ChatManager.getInstanceFor(bob).addIncomingListener((from, message, chat) -> got.add(message));
            ChatManager.getInstanceFor(alice).chatWith(JidCreate.entityBareFrom("bob@example.test")).send("Hello Bob 😀");
            Message m = got.poll(10, TimeUnit.SECONDS);
            assertThat(m).isNotNull();
            assertThat(m.getBody()).isEqualTo("Hello Bob 😀");
            assertThat(m.getFrom().toString()).isEqualTo("alice@example.test/phone");
        } finally {
            alice.disconnect();
            bob.disconnect();
        }
    }
}
