/**
 * The metrics-worker's stored aggregates: JPA entities mapped onto the tables its Flyway migrations create.
 * Hibernate validates this mapping against the migrated schema at start-up, so a change here needs a migration.
 * They live here, not in shared-models: the stream contract is what producers and consumers share; how one
 * consumer stores what it read is its own.
 */
package io.killkrill.metricsworker.store.entity;
