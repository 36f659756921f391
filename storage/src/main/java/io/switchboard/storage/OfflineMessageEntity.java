package io.switchboard.storage;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;
import java.time.Instant;

/** A row of {@code offline_message}. */
@Entity(name = "OfflineMessage")
@Table(name = "offline_message")
class OfflineMessageEntity {

    /** From {@code offline_message_seq}, 50 ids per round trip (its INCREMENT BY must stay equal). */
    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "offline_message_seq")
    @SequenceGenerator(name = "offline_message_seq", sequenceName = "offline_message_seq", allocationSize = 50)
    @Column(name = "id")
    Long id;

    @Column(name = "owner", nullable = false)
    String owner;

    @Column(name = "received", nullable = false)
    Instant received;

    @Column(name = "stanza", nullable = false)
    String stanza;

    /** UTF-8 length of the stanza, summed for the byte quota. */
    @Column(name = "bytes", nullable = false)
    int bytes;

    OfflineMessageEntity() {
    }
}
