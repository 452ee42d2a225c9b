package io.killkrill.it.harness;

import io.killkrill.it.support.PostgresExtension;
import io.killkrill.it.support.PostgresService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/** The PostgreSQL the suite runs against is real: a row written in a table is read back. */
@ExtendWith(PostgresExtension.class)
class PostgresHarnessIT {

    @Test
    void aRowRoundTripsThroughATable(PostgresService postgres) throws SQLException {
        String schema = postgres.createUniqueSchema("harness");
        try (Connection connection = postgres.connect(); Statement ddl = connection.createStatement()) {
            ddl.execute("CREATE TABLE " + schema + ".samples (name text PRIMARY KEY, total double precision)");
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO " + schema + ".samples (name, total) VALUES (?, ?)")) {
                insert.setString(1, "http_requests_total");
                insert.setDouble(2, 510.0);
                insert.executeUpdate();
            }
            try (ResultSet rows = ddl.executeQuery("SELECT name, total FROM " + schema + ".samples")) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getString("name")).isEqualTo("http_requests_total");
                assertThat(rows.getDouble("total")).isEqualTo(510.0);
                assertThat(rows.next()).isFalse();
            }
            ddl.execute("DROP SCHEMA " + schema + " CASCADE");
        }
    }
}
