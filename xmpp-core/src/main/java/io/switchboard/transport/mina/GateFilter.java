package io.switchboard.transport.mina;

import org.apache.mina.core.filterchain.IoFilterAdapter;
import org.apache.mina.core.session.AttributeKey;
import org.apache.mina.core.session.IoSession;

/** First in the chain: connections refused by the per-IP cap go no further (no TLS, no parser). */
final class GateFilter extends IoFilterAdapter {

    static final AttributeKey REFUSED = new AttributeKey(GateFilter.class, "refused");

    @Override
    public void sessionOpened(NextFilter next, IoSession session) throws Exception {
        if (session.containsAttribute(REFUSED)) {
            session.closeNow();
            return;
        }
        super.sessionOpened(next, session);
    }

    @Override
    public void messageReceived(NextFilter next, IoSession session, Object message) throws Exception {
        if (session.containsAttribute(REFUSED)) {
            return;
        }
        super.messageReceived(next, session, message);
    }
}
