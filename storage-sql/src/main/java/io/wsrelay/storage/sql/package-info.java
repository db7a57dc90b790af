/**
 * The SQL endpoint store: jOOQ over a HikariCP pool on PostgreSQL or the embedded H2 file, with
 * the schema applied by Flyway from the {@code wsrelay-migrations} scripts.
 */
package io.wsrelay.storage.sql;
