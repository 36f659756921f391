package io.switchboard.storage;

import io.switchboard.store.ScramHash;
import jakarta.persistence.CollectionTable;
import jakarta.persistence.Column;
import jakarta.persistence.ElementCollection;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.MapKeyColumn;
import jakarta.persistence.MapKeyEnumerated;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/** A row of {@code user_account}, with its {@code scram_credential} rows. */
@Entity(name = "Account")
@Table(name = "user_account")
class AccountEntity {

    @Id
    @Column(name = "jid")
    String jid;

    @Column(name = "admin", nullable = false)
    boolean admin;

    @Column(name = "created", nullable = false)
    Instant created;

    @ElementCollection(fetch = FetchType.EAGER)
    @CollectionTable(name = "scram_credential", joinColumns = @JoinColumn(name = "account"))
    @MapKeyColumn(name = "hash")
    @MapKeyEnumerated(EnumType.STRING)
    Map<ScramHash, ScramEmbeddable> credentials = new HashMap<>();

    AccountEntity() {
    }
}
