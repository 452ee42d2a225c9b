package io.killkrill.it.metricsworker;

import io.killkrill.it.support.PostgresExtension;
import io.killkrill.it.support.PostgresService;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.metricsworker.MetricsWorker;
import io.killkrill.metricsworker.store.SchemaMismatchException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Hibernate validates the mapping against the migrated schema: a missing column stops start-up, named. */
@ExtendWith({RedisExtension.class, PostgresExtension.class})
class MetricsWorkerSchemaContractIT {

    @Test
    void startingAgainstASchemaThatLacksAColumnFailsNamingIt(RedisService redis, PostgresService postgres)
            throws Exception {
        MetricsWorkerFixture fixture = new MetricsWorkerFixture(redis, postgres, "schema");
        try {
            new MetricsWorker(fixture.config()).start().close(); // migrates
            try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
                s.execute("ALTER TABLE " + fixture.schema + ".window_aggregate DROP COLUMN max_value");
            }

            assertThatThrownBy(() -> new MetricsWorker(fixture.config()).start())
                    .isInstanceOf(SchemaMismatchException.class)
                    .hasMessageContaining("max_value")
                    .hasMessageContaining("window_aggregate");
        } finally {
            fixture.cleanUp();
        }
    }
}
