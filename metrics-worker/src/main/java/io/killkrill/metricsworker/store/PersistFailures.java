package io.killkrill.metricsworker.store;

import com.zaxxer.hikari.SQLExceptionOverride;

import java.io.IOException;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The metrics-worker's one notion of which PostgreSQL failures pass: connection loss and a server that is
 * restarting, shutting sessions down or read-only (SQLSTATE classes 08 and 53, 57P01-57P03, 25006: an old
 * primary after a failover), a serialization failure (40001), a deadlock (40P01), a lock timeout (55P03), a
 * statement cancelled (57014). Those are waited out; any other failure of a transaction is a data or constraint
 * error of some sample in it.
 */
public final class PersistFailures {
    private static final Set<String> TRANSIENT_STATES = Set.of("57P01", "57P02", "57P03", "25006", "40001", "40P01",
            "55P03", "57014");

    /** The runtime has not confirmed recently that this consumer still holds the batch: wait for Redis. */
    public static final class HoldUnconfirmed extends RuntimeException {
        public HoldUnconfirmed(String message) {
            super(message);
        }
    }

    private PersistFailures() {
    }

    public static boolean isTransient(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof HoldUnconfirmed || t instanceof SQLTransientException || t instanceof IOException
                    || t instanceof org.hibernate.exception.JDBCConnectionException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null && isTransientState(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    static boolean isTransientState(String state) {
        return state.startsWith("08") || state.startsWith("53") || TRANSIENT_STATES.contains(state);
    }

    /** The first SQLException of the chain. */
    static Optional<SQLException> sqlCause(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql) {
                return Optional.of(sql);
            }
        }
        return Optional.empty();
    }

    public static String describe(Throwable failure) {
        return sqlCause(failure).map(e -> "SQLSTATE " + e.getSQLState() + " " + e.getMessage())
                .orElse(String.valueOf(failure));
    }

    /** Machine-readable facts for a dead letter: {@code sqlstate}, {@code error}. */
    public static Map<String, String> details(Throwable failure) {
        Map<String, String> details = new LinkedHashMap<>();
        sqlCause(failure).ifPresentOrElse(e -> {
            details.put("sqlstate", String.valueOf(e.getSQLState()));
            details.put("error", String.valueOf(e.getMessage()));
        }, () -> details.put("error", String.valueOf(failure)));
        return details;
    }

    /**
     * Tells HikariCP to evict a connection that answered "read-only transaction" (25006), which it would keep
     * otherwise: after a failover the next attempt then gets a fresh connection, to the new primary.
     */
    public static final class EvictReadOnly implements SQLExceptionOverride {
        @java.lang.Override
        public SQLExceptionOverride.Override adjudicate(SQLException e) {
            return "25006".equals(e.getSQLState()) ? SQLExceptionOverride.Override.MUST_EVICT
                    : SQLExceptionOverride.Override.CONTINUE_EVICT;
        }
    }
}
