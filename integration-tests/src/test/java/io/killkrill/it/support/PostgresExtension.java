package io.killkrill.it.support;

import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/** Injects a {@link PostgresService}, started (or found) once per JVM. */
public final class PostgresExtension extends SharedServiceExtension<PostgresService> {
    public static final String URL_VARIABLE = "KILLKRILL_TEST_DATABASE_URL";
    public static final String USER_VARIABLE = "KILLKRILL_TEST_DATABASE_USER";
    public static final String PASSWORD_VARIABLE = "KILLKRILL_TEST_DATABASE_PASSWORD";

    public PostgresExtension() {
        super(PostgresService.class);
    }

    @Override
    Running<PostgresService> start() {
        var configured = TestServices.setting(URL_VARIABLE);
        if (configured.isPresent()) {
            return new Running<>(new PostgresService(configured.get(),
                    TestServices.setting(USER_VARIABLE).orElse("killkrill"),
                    TestServices.setting(PASSWORD_VARIABLE).orElse("killkrill")), () -> { });
        }
        if (TestServices.dockerAvailable()) {
            PostgreSQLContainer<?> container = new PostgreSQLContainer<>(DockerImageName.parse("postgres:16"))
                    .withDatabaseName("killkrill").withUsername("killkrill").withPassword("killkrill");
            container.start();
            return new Running<>(new PostgresService(container.getJdbcUrl(), container.getUsername(),
                    container.getPassword()), container::stop);
        }
        throw TestServices.unavailable("PostgreSQL", URL_VARIABLE, "postgresql");
    }
}
