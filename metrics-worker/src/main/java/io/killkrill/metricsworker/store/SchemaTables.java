package io.killkrill.metricsworker.store;

/** The quoted, schema-qualified names of the store's tables in {@code KILLKRILL_DATABASE_SCHEMA}. */
record SchemaTables(String schema) {
    String table(String name) {
        return "\"" + schema + "\"." + name;
    }
}
