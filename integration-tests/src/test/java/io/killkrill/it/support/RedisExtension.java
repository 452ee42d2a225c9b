package io.killkrill.it.support;

import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

import java.net.URI;

/**
 * Injects a {@link RedisService}: started (or found) once per JVM and shared by every test class.
 * Resolution order in {@link TestServices}.
 */
public final class RedisExtension extends SharedServiceExtension<RedisService> {
    public static final String URL_VARIABLE = "KILLKRILL_TEST_REDIS_URL";

    public RedisExtension() {
        super(RedisService.class);
    }

    @Override
    Running<RedisService> start() {
        var configured = TestServices.setting(URL_VARIABLE);
        if (configured.isPresent()) {
            RedisService service = new RedisService(URI.create(configured.get()));
            return new Running<>(service, service::close);
        }
        if (TestServices.dockerAvailable()) {
            GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse("redis:7"))
                    .withExposedPorts(6379);
            container.start();
            RedisService service = new RedisService(
                    URI.create("redis://" + container.getHost() + ":" + container.getMappedPort(6379)));
            return new Running<>(service, () -> {
                service.close();
                container.stop();
            });
        }
        throw TestServices.unavailable("Redis", URL_VARIABLE, "redis-server");
    }
}
