/**
 * The metrics-worker's stored aggregates: JPA entities mapped onto the tables its Flyway migrations create.
 * Hibernate validates this mapping against the migrated schema at start-up, so a change here needs a migration.
 */
package io.killkrill.model.aggregate;
