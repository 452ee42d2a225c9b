package io.killkrill.it.support;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/** Injects a {@link PostgresService}, started (or found) once per JVM. */
public final class PostgresExtension implements ParameterResolver {
    public static final String URL_VARIABLE = "KILLKRILL_TEST_DATABASE_URL";
    public static final String USER_VARIABLE = "KILLKRILL_TEST_DATABASE_USER";
    public static final String PASSWORD_VARIABLE = "KILLKRILL_TEST_DATABASE_PASSWORD";

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == PostgresService.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(Holder.class, key -> start(), Holder.class).service;
    }

    private static Holder start() {
        var configured = TestServices.setting(URL_VARIABLE);
        if (configured.isPresent()) {
            return new Holder(new PostgresService(configured.get(),
                    TestServices.setting(USER_VARIABLE).orElse("killkrill"),
                    TestServices.setting(PASSWORD_VARIABLE).orElse("killkrill")), null);
        }
        if (TestServices.dockerAvailable()) {
            PostgreSQLContainer<?> container = new PostgreSQLContainer<>(DockerImageName.parse("postgres:16"))
                    .withDatabaseName("killkrill").withUsername("killkrill").withPassword("killkrill");
            container.start();
            return new Holder(new PostgresService(container.getJdbcUrl(), container.getUsername(),
                    container.getPassword()), container);
        }
        throw TestServices.unavailable("PostgreSQL", URL_VARIABLE, "postgresql");
    }

    private record Holder(PostgresService service, PostgreSQLContainer<?> container)
            implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        @Override
        public void close() {
            if (container != null) {
                container.stop();
            }
        }
    }
}
