package io.switchboard.storage;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.util.Objects;

/** A row of {@code private_xml}: one fragment of one user (XEP-0049). */
@Entity(name = "PrivateXml")
@Table(name = "private_xml")
@IdClass(PrivateXmlEntity.Key.class)
class PrivateXmlEntity {

    @Id
    @Column(name = "owner")
    String owner;

    /** The fragment's qualified name (column {@code key}; "key" is a word of its own in HQL). */
    @Id
    @Column(name = "key")
    String elementKey;

    @Column(name = "xml", nullable = false)
    String xml;

    /** UTF-8 length of the fragment, summed for the quota. */
    @Column(name = "bytes", nullable = false)
    int bytes;

    PrivateXmlEntity() {
    }

    /** The primary key (owner, key). */
    static final class Key implements Serializable {
        String owner;
        String elementKey;

        Key() {
        }

        Key(String owner, String elementKey) {
            this.owner = owner;
            this.elementKey = elementKey;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(k.owner, owner) && Objects.equals(k.elementKey, elementKey);
        }

        @Override
        public int hashCode() {
            return Objects.hash(owner, elementKey);
        }
    }
}
