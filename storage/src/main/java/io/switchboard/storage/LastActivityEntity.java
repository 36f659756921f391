package io.switchboard.storage;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A row of {@code last_activity} (XEP-0012). */
@Entity(name = "LastActivity")
@Table(name = "last_activity")
class LastActivityEntity {

    @Id
    @Column(name = "owner")
    String owner;

    @Column(name = "at", nullable = false)
    Instant at;

    @Column(name = "status")
    String status;

    LastActivityEntity() {
    }
}
