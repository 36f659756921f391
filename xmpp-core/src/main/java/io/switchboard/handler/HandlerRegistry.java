package io.switchboard.handler;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * IQ handlers by (payload, type), for the server itself and for accounts (IQs a server answers on
 * a user's behalf), together with the features and identities service discovery reports. Built
 * once at start-up; a second handler for the same key is a programming error.
 *
 * @implNote immutable after {@link Builder#build()}; thread-safe.
 */
public final class HandlerRegistry {

    private final Map<IqKey, IqHandler> server;
    private final Map<IqKey, IqHandler> account;
    private final List<String> serverFeatures;
    private final List<String> accountFeatures;
    private final List<Identity> serverIdentities;
    private final List<Identity> accountIdentities;

    private HandlerRegistry(Builder b) {
        server = Collections.unmodifiableMap(new LinkedHashMap<>(b.server));
        account = Collections.unmodifiableMap(new LinkedHashMap<>(b.account));
        serverFeatures = List.copyOf(b.serverFeatures);
        accountFeatures = List.copyOf(b.accountFeatures);
        serverIdentities = List.copyOf(b.serverIdentities);
        accountIdentities = List.copyOf(b.accountIdentities);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Handler for an IQ addressed to the server's domain, or null. */
    public IqHandler server(IqKey key) {
        return server.get(key);
    }

    /** Handler for an IQ addressed to an account's bare JID (or without 'to'), or null. */
    public IqHandler account(IqKey key) {
        return account.get(key);
    }

    /** Features of the server (disco#info on the domain), sorted. */
    public List<String> serverFeatures() {
        return serverFeatures;
    }

    /** Features of an account (disco#info on a bare JID), sorted. */
    public List<String> accountFeatures() {
        return accountFeatures;
    }

    public List<Identity> serverIdentities() {
        return serverIdentities;
    }

    /** Identities of an account besides account/registered (PEP adds pubsub/pep). */
    public List<Identity> accountIdentities() {
        return accountIdentities;
    }

    /** Collects handlers and features; modules add to it while the server is being built. */
    public static final class Builder {
        private final Map<IqKey, IqHandler> server = new LinkedHashMap<>();
        private final Map<IqKey, IqHandler> account = new LinkedHashMap<>();
        private final Set<String> serverFeatures = new LinkedHashSet<>();
        private final Set<String> accountFeatures = new LinkedHashSet<>();
        private final List<Identity> serverIdentities = new ArrayList<>();
        private final List<Identity> accountIdentities = new ArrayList<>();

        public Builder server(IqKey key, IqHandler h) {
            if (server.putIfAbsent(key, h) != null) {
                throw new IllegalStateException("two server handlers for " + key);
            }
            return this;
        }

        public Builder account(IqKey key, IqHandler h) {
            if (account.putIfAbsent(key, h) != null) {
                throw new IllegalStateException("two account handlers for " + key);
            }
            return this;
        }

        /**
         * Replaces an account handler by one built around it (a feature that must follow what an
         * existing handler does, as PEP follows vCard and private XML changes).
         */
        public Builder wrapAccount(IqKey key, java.util.function.UnaryOperator<IqHandler> wrapper) {
            IqHandler h = account.get(key);
            if (h == null) {
                throw new IllegalStateException("no account handler for " + key + " to wrap");
            }
            account.put(key, wrapper.apply(h));
            return this;
        }

        /** Registers the same handler for the server and for accounts. */
        public Builder both(IqKey key, IqHandler h) {
            return server(key, h).account(key, h);
        }

        public Builder serverFeature(String f) {
            serverFeatures.add(f);
            return this;
        }

        public Builder accountFeature(String f) {
            accountFeatures.add(f);
            return this;
        }

        public Builder serverIdentity(Identity i) {
            serverIdentities.add(i);
            return this;
        }

        public Builder accountIdentity(Identity i) {
            accountIdentities.add(i);
            return this;
        }

        public HandlerRegistry build() {
            List<String> sf = new ArrayList<>(serverFeatures);
            Collections.sort(sf);
            serverFeatures.clear();
            serverFeatures.addAll(sf);
            List<String> af = new ArrayList<>(accountFeatures);
            Collections.sort(af);
            accountFeatures.clear();
            accountFeatures.addAll(af);
            return new HandlerRegistry(this);
        }
    }
}
