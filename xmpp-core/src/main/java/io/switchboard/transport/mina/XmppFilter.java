package io.switchboard.transport.mina;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.filterchain.IoFilterAdapter;
import org.apache.mina.core.session.IoSession;

/** Turns bytes into stream events with the connection's incremental parser, on the I/O thread. */
final class XmppFilter extends IoFilterAdapter {

    @Override
    public void messageReceived(NextFilter next, IoSession session, Object message) {
        MinaConnection c = MinaTransport.connection(session);
        if (c == null || !(message instanceof IoBuffer buf)) {
            return;
        }
        c.decode(next, buf);
    }
}
