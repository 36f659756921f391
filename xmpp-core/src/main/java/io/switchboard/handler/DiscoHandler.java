package io.switchboard.handler;

import io.switchboard.jid.Jid;
import io.switchboard.stanza.Iq;
import io.switchboard.stanza.StanzaError;
import io.switchboard.stanza.StanzaException;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * Service discovery (XEP-0030) of the server and of accounts, derived from what is registered in
 * the {@link HandlerRegistry}. Server items (components such as the MUC service) come from
 * providers added by modules.
 */
public final class DiscoHandler {

    /** One disco#items entry. */
    public record Item(Jid jid, String name, String node) {
    }

    private final Supplier<ServerInfo> info;
    private final List<Supplier<List<Item>>> serverItems = new CopyOnWriteArrayList<>();
    private volatile AccountNodes accountNodes;

    /** Answers disco#info on an account's node and lists the account's items (PEP nodes). */
    public interface AccountNodes {
        /** disco#info on {@code node} of the account asked in {@code req}: the query's children. */
        List<XmlElement> info(IqRequest req, String node) throws StanzaException;

        /** disco#items on the account (no node): the items to list. */
        List<Item> items(IqRequest req) throws StanzaException;
    }

    /** Sets who answers for account nodes (at most one: the PEP service). */
    public void setAccountNodes(AccountNodes nodes) {
        this.accountNodes = nodes;
    }

    public DiscoHandler(Supplier<ServerInfo> info) {
        this.info = info;
    }

    public void addServerItems(Supplier<List<Item>> provider) {
        serverItems.add(provider);
    }

    public void register(HandlerRegistry.Builder b) {
        b.serverFeature(Ns.DISCO_INFO).serverFeature(Ns.DISCO_ITEMS);
        b.accountFeature(Ns.DISCO_INFO).accountFeature(Ns.DISCO_ITEMS);
        b.server(io.switchboard.handler.IqKey.get(Ns.DISCO_INFO, "query"), serverInfo());
        b.server(io.switchboard.handler.IqKey.get(Ns.DISCO_ITEMS, "query"), this::serverItems);
        b.account(io.switchboard.handler.IqKey.get(Ns.DISCO_INFO, "query"), this::accountInfo);
        b.account(io.switchboard.handler.IqKey.get(Ns.DISCO_ITEMS, "query"), this::accountItems);
    }

    private IqHandler serverInfo() {
        return req -> {
            ServerInfo si = info.get();
            String node = req.iq().payload().attr("node");
            if (node != null && !node.equals(ServerInfo.CAPS_NODE + "#" + si.capsVer())) {
                throw new StanzaException(StanzaError.itemNotFound("no such node"));
            }
            XmlElement.Builder q = XmlElement.builder(Ns.DISCO_INFO, "query");
            if (node != null) {
                q.attr("node", node);
            }
            q.children(si.discoInfo());
            return req.iq().result(q.build());
        };
    }

    private Iq serverItems(IqRequest req) throws StanzaException {
        if (req.iq().payload().attr("node") != null) {
            throw new StanzaException(StanzaError.itemNotFound("no such node"));
        }
        XmlElement.Builder q = XmlElement.builder(Ns.DISCO_ITEMS, "query");
        for (Supplier<List<Item>> p : serverItems) {
            for (Item i : p.get()) {
                XmlElement.Builder ib = XmlElement.builder(Ns.DISCO_ITEMS, "item").attr("jid", i.jid().toString());
                ib.attr("name", i.name());
                ib.attr("node", i.node());
                q.child(ib.build());
            }
        }
        return req.iq().result(q.build());
    }

    private Iq accountInfo(IqRequest req) throws StanzaException {
        String node = req.iq().payload().attr("node");
        if (node != null) {
            AccountNodes an = accountNodes;
            if (an == null) {
                throw new StanzaException(StanzaError.itemNotFound("no such node"));
            }
            return req.iq().result(XmlElement.builder(Ns.DISCO_INFO, "query").attr("node", node)
                    .children(an.info(req, node)).build());
        }
        XmlElement.Builder q = XmlElement.builder(Ns.DISCO_INFO, "query");
        q.child(ServerInfo.identity(new Identity("account", "registered", null)));
        for (Identity i : info.get().registry().accountIdentities()) {
            q.child(ServerInfo.identity(i));
        }
        for (String f : info.get().registry().accountFeatures()) {
            q.child(XmlElement.builder(Ns.DISCO_INFO, "feature").attr("var", f).build());
        }
        return req.iq().result(q.build());
    }

    private Iq accountItems(IqRequest req) throws StanzaException {
        if (req.iq().payload().attr("node") != null) {
            throw new StanzaException(StanzaError.itemNotFound("no such node"));
        }
        AccountNodes an = accountNodes;
        XmlElement.Builder q = XmlElement.builder(Ns.DISCO_ITEMS, "query");
        if (an != null) {
            for (Item i : an.items(req)) {
                q.child(XmlElement.builder(Ns.DISCO_ITEMS, "item").attr("jid", i.jid().toString()).attr("name", i.name())
                        .attr("node", i.node()).build());
            }
        }
        return req.iq().result(q.build());
    }
}
