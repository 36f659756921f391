package io.switchboard.store;

import java.time.Instant;

/** When a user's last session ended, and the status text of its unavailable presence. */
public record LastActivity(Instant at, String status) {
}
