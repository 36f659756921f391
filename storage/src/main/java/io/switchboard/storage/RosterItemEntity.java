package io.switchboard.storage;

import io.switchboard.store.Subscription;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.util.Objects;

/** A row of {@code roster_item}: one contact in one user's roster. */
@Entity(name = "RosterItem")
@Table(name = "roster_item")
@IdClass(RosterItemEntity.Key.class)
class RosterItemEntity {

    @Id
    @Column(name = "owner")
    String owner;

    @Id
    @Column(name = "contact")
    String contact;

    @Column(name = "name")
    String name;

    /** A PostgreSQL {@code text[]}: keeps the groups' order. */
    @Column(name = "groups", nullable = false)
    String[] groups;

    @Enumerated(EnumType.STRING)
    @Column(name = "subscription", nullable = false)
    Subscription subscription;

    @Column(name = "ask_out", nullable = false)
    boolean askOut;

    @Column(name = "pending_in", nullable = false)
    boolean pendingIn;

    @Column(name = "approved", nullable = false)
    boolean approved;

    @Column(name = "visible", nullable = false)
    boolean visible;

    @Column(name = "pending_in_stanza")
    String pendingInStanza;

    RosterItemEntity() {
    }

    /** The primary key (owner, contact). */
    static final class Key implements Serializable {
        String owner;
        String contact;

        Key() {
        }

        Key(String owner, String contact) {
            this.owner = owner;
            this.contact = contact;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(k.owner, owner) && Objects.equals(k.contact, contact);
        }

        @Override
        public int hashCode() {
            return Objects.hash(owner, contact);
        }
    }
}
