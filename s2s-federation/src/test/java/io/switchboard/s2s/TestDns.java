package io.switchboard.s2s;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * A tiny authoritative DNS server on a loopback UDP port, for tests: it answers SRV and A records
 * it was given, NODATA for other types of a known name, NXDOMAIN otherwise.
 */
final class TestDns implements AutoCloseable {

    private final DatagramSocket socket;
    private final Map<Name, List<Record>> records = new ConcurrentHashMap<>();
    private final Thread thread;

    TestDns() throws SocketException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        thread = new Thread(this::serve, "test-dns");
        thread.setDaemon(true);
        thread.start();
    }

    int port() {
        return socket.getLocalPort();
    }

    /** SRV record {@code _service._tcp.domain} pointing at target:port. */
    void srv(String service, String domain, String target, int port) throws IOException {
        Name n = Name.fromString("_" + service + "._tcp." + domain + ".");
        records.computeIfAbsent(n, k -> new java.util.concurrent.CopyOnWriteArrayList<>())
                .add(new SRVRecord(n, DClass.IN, 60, 0, 0, port, Name.fromString(target + ".")));
    }

    void a(String host, String ip) throws IOException {
        Name n = Name.fromString(host + ".");
        records.computeIfAbsent(n, k -> new java.util.concurrent.CopyOnWriteArrayList<>())
                .add(new ARecord(n, DClass.IN, 60, InetAddress.getByName(ip)));
    }

    private void serve() {
        byte[] buf = new byte[4096];
        while (!socket.isClosed()) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                socket.receive(p);
                Message q = new Message(java.util.Arrays.copyOf(p.getData(), p.getLength()));
                Record question = q.getQuestion();
                Message r = new Message(q.getHeader().getID());
                r.getHeader().setFlag(Flags.QR);
                r.getHeader().setFlag(Flags.AA);
                if (q.getHeader().getFlag(Flags.RD)) {
                    r.getHeader().setFlag(Flags.RD);
                    r.getHeader().setFlag(Flags.RA);
                }
                if (question != null) {
                    r.addRecord(question, Section.QUESTION);
                    List<Record> known = records.get(question.getName());
                    if (known == null) {
                        r.getHeader().setRcode(Rcode.NXDOMAIN);
                    } else {
                        for (Record rec : known) {
                            if (rec.getType() == question.getType() || question.getType() == Type.ANY) {
                                r.addRecord(rec, Section.ANSWER);
                            }
                        }
                    }
                }
                byte[] out = r.toWire(512);
                socket.send(new DatagramPacket(out, out.length, p.getSocketAddress()));
            } catch (IOException e) {
                if (socket.isClosed()) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
