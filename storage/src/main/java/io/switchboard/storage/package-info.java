/**
 * The storage ports of {@code io.switchboard.store} on PostgreSQL: {@link io.switchboard.storage.PostgresStorage}
 * (Hibernate ORM over HikariCP, schema by Flyway from {@code db/migration}) and
 * {@link io.switchboard.storage.EmbeddedDatabase}, the zero-setup PostgreSQL under the data directory.
 *
 * <p>Hibernate stays inside this package: the entities ({@code *Entity}) and the stores
 * ({@code Hibernate*Store}) are package-private, and only the ports' records go in and out.
 *
 * <p>Threading: every method blocks on database I/O; call from worker threads, never from network
 * I/O threads.
 */
package io.switchboard.storage;
