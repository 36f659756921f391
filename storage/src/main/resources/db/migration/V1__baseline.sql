-- Switchboard schema, version 1.
--
-- Every table is keyed by the owner's bare JID as Jid.toString() prints it (the canonical form), so
-- accounts of several domains can share one database. JID columns use the "C" collation: byte order,
-- which is the order UserStore.list promises, whatever the database's default locale.
-- Everything an account owns references user_account ON DELETE CASCADE: deleting the account row
-- deletes all of it in the same transaction.

CREATE TABLE user_account (
    jid     text COLLATE "C" PRIMARY KEY,
    admin   boolean          NOT NULL DEFAULT false,
    created timestamptz      NOT NULL
);

-- SCRAM credentials (RFC 5802 §3): one row per account and hash; the password is never stored.
CREATE TABLE scram_credential (
    account    text COLLATE "C" NOT NULL REFERENCES user_account (jid) ON DELETE CASCADE,
    hash       text             NOT NULL CHECK (hash IN ('SHA_1', 'SHA_256')),
    salt       bytea            NOT NULL,
    iterations integer          NOT NULL CHECK (iterations > 0),
    stored_key bytea            NOT NULL,
    server_key bytea            NOT NULL,
    PRIMARY KEY (account, hash)
);

-- Roster items with the full subscription state of RFC 6121 Appendix A. Groups keep their order.
CREATE TABLE roster_item (
    owner             text COLLATE "C" NOT NULL REFERENCES user_account (jid) ON DELETE CASCADE,
    contact           text COLLATE "C" NOT NULL,
    name              text,
    groups            text[]           NOT NULL DEFAULT '{}',
    subscription      text             NOT NULL CHECK (subscription IN ('NONE', 'TO', 'FROM', 'BOTH')),
    ask_out           boolean          NOT NULL,
    pending_in        boolean          NOT NULL,
    approved          boolean          NOT NULL,
    visible           boolean          NOT NULL,
    pending_in_stanza text,
    PRIMARY KEY (owner, contact)
);

-- Roster versions (XEP-0237): absent means 0, a roster that was never changed.
CREATE TABLE roster_version (
    owner   text COLLATE "C" PRIMARY KEY REFERENCES user_account (jid) ON DELETE CASCADE,
    version bigint           NOT NULL CHECK (version > 0)
);

-- Offline messages (XEP-0160). Ids come from a sequence that hands out blocks of 50 (Hibernate's
-- pooled optimizer: the increment must equal the entity's allocationSize).
CREATE SEQUENCE offline_message_seq INCREMENT BY 50;

CREATE TABLE offline_message (
    id       bigint PRIMARY KEY,
    owner    text COLLATE "C" NOT NULL REFERENCES user_account (jid) ON DELETE CASCADE,
    received timestamptz      NOT NULL,
    stanza   text             NOT NULL,
    bytes    integer          NOT NULL CHECK (bytes >= 0)
);

CREATE INDEX offline_message_owner_id ON offline_message (owner, id);

-- Private XML storage (XEP-0049): one fragment per owner and key (the fragment's qualified name).
CREATE TABLE private_xml (
    owner text COLLATE "C" NOT NULL REFERENCES user_account (jid) ON DELETE CASCADE,
    key   text             NOT NULL,
    xml   text             NOT NULL,
    bytes integer          NOT NULL CHECK (bytes >= 0),
    PRIMARY KEY (owner, key)
);

-- Last logout (XEP-0012).
CREATE TABLE last_activity (
    owner  text COLLATE "C" PRIMARY KEY REFERENCES user_account (jid) ON DELETE CASCADE,
    at     timestamptz      NOT NULL,
    status text
);
