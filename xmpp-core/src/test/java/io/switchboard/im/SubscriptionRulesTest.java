package io.switchboard.im;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.stanza.Presence;
import io.switchboard.store.Subscription;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * RFC 6121 Appendix A. States are written as in the RFC: {@code None}, {@code None+PendingOut},
 * {@code None+PendingIn}, {@code None+PendingOut+PendingIn}, {@code To}, {@code To+PendingIn},
 * {@code From}, {@code From+PendingOut}, {@code Both}; {@code +Approved} marks pre-approval.
 */
class SubscriptionRulesTest {

    @ParameterizedTest(name = "outbound {1} in {0} -> {2}, route={3}")
    @CsvSource(delimiter = '|', value = {
            // A.2.1 subscribe
            "None                     | subscribe    | None+PendingOut          | true",
            "None+PendingIn           | subscribe    | None+PendingOut+PendingIn| true",
            "From                     | subscribe    | From+PendingOut          | true",
            "None+PendingOut          | subscribe    | None+PendingOut          | true",
            "To                       | subscribe    | To                       | true",
            "Both                     | subscribe    | Both                     | true",
            // A.2.2 unsubscribe
            "To                       | unsubscribe  | None                     | true",
            "To+PendingIn             | unsubscribe  | None+PendingIn           | true",
            "Both                     | unsubscribe  | From                     | true",
            "None+PendingOut          | unsubscribe  | None                     | true",
            "From+PendingOut          | unsubscribe  | From                     | true",
            // A.2.3 subscribed
            "None+PendingIn           | subscribed   | From                     | true",
            "None+PendingOut+PendingIn| subscribed   | From+PendingOut          | true",
            "To+PendingIn             | subscribed   | Both                     | true",
            "From                     | subscribed   | From                     | false",
            "Both                     | subscribed   | Both                     | false",
            "None                     | subscribed   | None+Approved            | false",
            "To                       | subscribed   | To+Approved              | false",
            // A.2.4 unsubscribed
            "None+PendingIn           | unsubscribed | None                     | true",
            "None+PendingOut+PendingIn| unsubscribed | None+PendingOut          | true",
            "To+PendingIn             | unsubscribed | To                       | true",
            "From                     | unsubscribed | None                     | true",
            "From+PendingOut          | unsubscribed | None+PendingOut          | true",
            "Both                     | unsubscribed | To                       | true",
            "None+Approved            | unsubscribed | None                     | false",
            "To                       | unsubscribed | To                       | false",
    })
    void outbound(String from, String type, String to, boolean route) {
        SubscriptionRules.Outcome o = SubscriptionRules.outbound(parse(from), type(type));
        assertThat(print(o.state())).isEqualTo(to);
        assertThat(o.forward()).isEqualTo(route);
    }

    @ParameterizedTest(name = "inbound {1} in {0} -> {2}, deliver={3}, auto={4}")
    @CsvSource(delimiter = '|', value = {
            // A.3.1 subscribe
            "None                     | subscribe    | None+PendingIn           | true  | false",
            "None+PendingOut          | subscribe    | None+PendingOut+PendingIn| true  | false",
            "To                       | subscribe    | To+PendingIn             | true  | false",
            "From                     | subscribe    | From                     | false | true",
            "From+PendingOut          | subscribe    | From+PendingOut          | false | true",
            "Both                     | subscribe    | Both                     | false | true",
            "None+Approved            | subscribe    | From                     | false | true",
            "To+Approved              | subscribe    | Both                     | false | true",
            // A.3.2 unsubscribe
            "None+PendingIn           | unsubscribe  | None                     | true  | false",
            "None+PendingOut+PendingIn| unsubscribe  | None+PendingOut          | true  | false",
            "To+PendingIn             | unsubscribe  | To                       | true  | false",
            "From                     | unsubscribe  | None                     | true  | false",
            "From+PendingOut          | unsubscribe  | None+PendingOut          | true  | false",
            "Both                     | unsubscribe  | To                       | true  | false",
            "None                     | unsubscribe  | None                     | false | false",
            "To                       | unsubscribe  | To                       | false | false",
            // A.3.3 subscribed
            "None+PendingOut          | subscribed   | To                       | true  | false",
            "None+PendingOut+PendingIn| subscribed   | To+PendingIn             | true  | false",
            "From+PendingOut          | subscribed   | Both                     | true  | false",
            "None                     | subscribed   | None                     | false | false",
            "To                       | subscribed   | To                       | false | false",
            "Both                     | subscribed   | Both                     | false | false",
            // A.3.4 unsubscribed
            "None+PendingOut          | unsubscribed | None                     | true  | false",
            "None+PendingOut+PendingIn| unsubscribed | None+PendingIn           | true  | false",
            "To                       | unsubscribed | None                     | true  | false",
            "To+PendingIn             | unsubscribed | None+PendingIn           | true  | false",
            "From+PendingOut          | unsubscribed | From                     | true  | false",
            "Both                     | unsubscribed | From                     | true  | false",
            "None                     | unsubscribed | None                     | false | false",
            "From                     | unsubscribed | From                     | false | false",
    })
    void inbound(String from, String type, String to, boolean deliver, boolean auto) {
        SubscriptionRules.Outcome o = SubscriptionRules.inbound(parse(from), type(type));
        assertThat(print(o.state())).isEqualTo(to);
        assertThat(o.forward()).isEqualTo(deliver);
        assertThat(o.autoReplySubscribed()).isEqualTo(auto);
    }

    private static Presence.Type type(String t) {
        return Presence.Type.valueOf(t.toUpperCase());
    }

    static SubscriptionState parse(String s) {
        String[] p = s.split("\\+");
        Subscription sub = Subscription.valueOf(p[0].toUpperCase());
        boolean out = s.contains("PendingOut");
        boolean in = s.contains("PendingIn");
        boolean appr = s.contains("Approved");
        return new SubscriptionState(sub, out, in, appr);
    }

    static String print(SubscriptionState st) {
        StringBuilder sb = new StringBuilder();
        String n = st.sub().name();
        sb.append(n.charAt(0)).append(n.substring(1).toLowerCase());
        if (st.askOut()) {
            sb.append("+PendingOut");
        }
        if (st.pendingIn()) {
            sb.append("+PendingIn");
        }
        if (st.approved()) {
            sb.append("+Approved");
        }
        return sb.toString();
    }
}
