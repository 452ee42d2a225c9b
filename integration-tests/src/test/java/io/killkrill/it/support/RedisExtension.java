package io.killkrill.it.support;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

import java.net.URI;

/**
 * Injects a {@link RedisService}: started (or found) once per JVM and shared by every test class.
 * Resolution order in {@link TestServices}.
 */
public final class RedisExtension implements ParameterResolver {
    public static final String URL_VARIABLE = "KILLKRILL_TEST_REDIS_URL";

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == RedisService.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(Holder.class, key -> start(), Holder.class).service;
    }

    private static Holder start() {
        var configured = TestServices.setting(URL_VARIABLE);
        if (configured.isPresent()) {
            return new Holder(new RedisService(URI.create(configured.get())), null);
        }
        if (TestServices.dockerAvailable()) {
            GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse("redis:7"))
                    .withExposedPorts(6379);
            container.start();
            URI uri = URI.create("redis://" + container.getHost() + ":" + container.getMappedPort(6379));
            return new Holder(new RedisService(uri), container);
        }
        throw TestServices.unavailable("Redis", URL_VARIABLE, "redis-server");
    }

    private record Holder(RedisService service, GenericContainer<?> container)
            implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        @Override
        public void close() {
            service.close();
            if (container != null) {
                container.stop();
            }
        }
    }
}
