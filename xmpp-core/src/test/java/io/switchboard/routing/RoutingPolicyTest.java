package io.switchboard.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.cluster.NodeId;
import io.switchboard.cluster.Route;
import io.switchboard.jid.Jid;
import io.switchboard.stanza.Message;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * RFC 6121 §8.5 decision tables for messages to a local account. Routes are written as
 * {@code resource:priority:available}; outcomes as {@code deliver:r1+r2}, {@code offline},
 * {@code error:condition} or {@code drop}.
 */
class RoutingPolicyTest {

    private static final NodeId N = new NodeId("n");

    @ParameterizedTest(name = "{0} to {1} with [{2}] exists={3} -> {4}")
    @CsvSource(delimiter = '|', value = {
            // §8.5.1 no such account
            "chat      | u@d        |                         | false | error:service-unavailable",
            "normal    | u@d        |                         | false | error:service-unavailable",
            "groupchat | u@d        |                         | false | error:service-unavailable",
            "headline  | u@d        |                         | false | drop",
            "error     | u@d        |                         | false | drop",
            "chat      | u@d/r      |                         | false | error:service-unavailable",
            // §8.5.2.1.1 bare JID, available resources: highest priority wins, ties all get it
            "chat      | u@d        | a:1:true,b:5:true       | true  | deliver:b",
            "chat      | u@d        | a:5:true,b:5:true       | true  | deliver:a+b",
            "normal    | u@d        | a:0:true                | true  | deliver:a",
            "headline  | u@d        | a:1:true,b:5:true       | true  | deliver:a+b",
            "groupchat | u@d        | a:1:true                | true  | error:service-unavailable",
            // negative priority and unavailable resources never receive bare-JID messages
            "chat      | u@d        | a:-1:true,b:3:false     | true  | offline",
            "chat      | u@d        | a:-1:true,b:0:true      | true  | deliver:b",
            "headline  | u@d        | a:-1:true               | true  | drop",
            // §8.5.2.2.1 no available resource
            "chat      | u@d        |                         | true  | offline",
            "normal    | u@d        |                         | true  | offline",
            "headline  | u@d        |                         | true  | drop",
            "groupchat | u@d        |                         | true  | error:service-unavailable",
            "error     | u@d        |                         | true  | drop",
            // §8.5.3.1 full JID of a connected resource: delivered whatever its type or presence
            "chat      | u@d/a      | a:-5:false              | true  | deliver:a",
            "groupchat | u@d/a      | a:0:true                | true  | deliver:a",
            "headline  | u@d/a      | a:0:true                | true  | deliver:a",
            "error     | u@d/a      | a:0:true                | true  | deliver:a",
            // §8.5.3.2.1 full JID of no connected resource
            "chat      | u@d/x      | a:0:true                | true  | deliver:a",
            "normal    | u@d/x      | a:0:true,b:2:true       | true  | deliver:b",
            "chat      | u@d/x      |                         | true  | offline",
            "groupchat | u@d/x      | a:0:true                | true  | error:service-unavailable",
            "headline  | u@d/x      | a:0:true                | true  | drop",
            "error     | u@d/x      | a:0:true                | true  | drop",
    })
    void decisions(String type, String to, String routes, boolean exists, String expected) {
        List<Route> rs = new ArrayList<>();
        if (routes != null) {
            for (String r : routes.split(",")) {
                String[] p = r.split(":");
                rs.add(new Route(Jid.of("u@d/" + p[0]), N, Integer.parseInt(p[1]), Boolean.parseBoolean(p[2])));
            }
        }
        MessageDecision d = RoutingPolicy.message(Message.Type.valueOf(type.toUpperCase()), Jid.of(to), rs, exists);
        assertThat(describe(d)).isEqualTo(expected);
    }

    private static String describe(MessageDecision d) {
        if (d instanceof MessageDecision.Deliver del) {
            return "deliver:" + String.join("+", del.resources().stream().map(Jid::resource).sorted().toList());
        }
        if (d instanceof MessageDecision.StoreOffline) {
            return "offline";
        }
        if (d instanceof MessageDecision.Bounce b) {
            return "error:" + b.error().condition();
        }
        return "drop";
    }
}
