package io.switchboard.storage;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A row of {@code roster_version}: the version of one user's roster (XEP-0237). */
@Entity(name = "RosterVersion")
@Table(name = "roster_version")
class RosterVersionEntity {

    @Id
    @Column(name = "owner")
    String owner;

    @Column(name = "version", nullable = false)
    long version;

    RosterVersionEntity() {
    }
}
