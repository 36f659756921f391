/**
 * Storage ports: what the server needs to persist, as plain records in and out. Implementations:
 * {@code store.memory} (tests, {@code storage.mode=memory}) and the {@code storage} module
 * (PostgreSQL through Hibernate). Both pass the same contract tests ({@code *Contract} in the
 * core test jar).
 *
 * <p>Threading: every method may block (database I/O); call them from worker threads, never from
 * network threads. Each method is atomic: it either happens completely or not at all.
 */
package io.switchboard.store;
