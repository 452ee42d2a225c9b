package io.killkrill.metricsworker.store;

import com.zaxxer.hikari.SQLExceptionOverride;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

import static org.assertj.core.api.Assertions.assertThat;

/** Which PostgreSQL failures the metrics-worker waits out (guards row h at unit level) and what a dead letter says of the others. */
class PersistFailuresTest {
    private static SQLException state(String sqlState) {
        return new SQLException("failed with " + sqlState, sqlState);
    }

    @Test
    void connectionLossRestartsReadOnlyAndConcurrencyFailuresAreWaitedOut() {
        for (String s : new String[] {"08006", "08000", "53300", "57P01", "57P02", "57P03", "25006", "40001",
                "40P01", "55P03", "57014"}) {
            assertThat(PersistFailures.isTransient(state(s))).as(s).isTrue();
        }
        assertThat(PersistFailures.isTransient(new SQLTransientConnectionException("pool"))).isTrue();
        assertThat(PersistFailures.isTransient(new IOException("reset"))).isTrue();
        assertThat(PersistFailures.isTransient(new PersistFailures.HoldUnconfirmed("no heartbeat"))).isTrue();
        assertThat(PersistFailures.isTransient(new org.hibernate.exception.JDBCConnectionException("gone",
                state("08003")))).isTrue();
    }

    @Test
    void aTransientCauseAnywhereInTheChainIsTransient() {
        assertThat(PersistFailures.isTransient(new RuntimeException("tx", new IllegalStateException("wrap",
                state("40001"))))).isTrue();
    }

    @Test
    void dataAndConstraintErrorsAreNot() {
        for (String s : new String[] {"23505", "22003", "42P01", "25P02", "5", "0"}) {
            assertThat(PersistFailures.isTransient(state(s))).as(s).isFalse();
        }
        assertThat(PersistFailures.isTransient(new SQLException("no state"))).isFalse();
        assertThat(PersistFailures.isTransient(new IllegalArgumentException("bug"))).isFalse();
    }

    @Test
    void aDeadLetterNamesTheFirstSqlStateAndMessageOfTheChain() {
        RuntimeException failure = new RuntimeException("tx", new SQLException("duplicate key", "23505",
                new SQLException("inner", "08006")));

        assertThat(PersistFailures.details(failure)).containsExactly(
                java.util.Map.entry("sqlstate", "23505"), java.util.Map.entry("error", "duplicate key"));
        assertThat(PersistFailures.describe(failure)).isEqualTo("SQLSTATE 23505 duplicate key");
        assertThat(PersistFailures.details(new IllegalStateException("no sql")))
                .containsExactly(java.util.Map.entry("error", "java.lang.IllegalStateException: no sql"));
        assertThat(PersistFailures.describe(new IllegalStateException("no sql")))
                .isEqualTo("java.lang.IllegalStateException: no sql");
    }

    @Test
    void aReadOnlyConnectionIsEvictedFromThePoolAndOthersAreNotForcedOut() {
        PersistFailures.EvictReadOnly evict = new PersistFailures.EvictReadOnly();

        assertThat(evict.adjudicate(state("25006"))).isEqualTo(SQLExceptionOverride.Override.MUST_EVICT);
        assertThat(evict.adjudicate(state("23505"))).isEqualTo(SQLExceptionOverride.Override.CONTINUE_EVICT);
    }
}
