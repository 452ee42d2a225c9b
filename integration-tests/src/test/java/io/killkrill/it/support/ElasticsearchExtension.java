package io.killkrill.it.support;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.testcontainers.elasticsearch.ElasticsearchContainer;
import org.testcontainers.utility.DockerImageName;

import java.net.URI;

/** Injects an {@link ElasticsearchService}, started (or found) once per JVM. */
public final class ElasticsearchExtension implements ParameterResolver {
    public static final String URL_VARIABLE = "KILLKRILL_TEST_ELASTICSEARCH_URL";
    static final String IMAGE = "docker.elastic.co/elasticsearch/elasticsearch:8.19.21";

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == ElasticsearchService.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(Holder.class, key -> start(), Holder.class).service;
    }

    private static Holder start() {
        var configured = TestServices.setting(URL_VARIABLE);
        if (configured.isPresent()) {
            return new Holder(new ElasticsearchService(URI.create(configured.get())), null);
        }
        if (TestServices.dockerAvailable()) {
            ElasticsearchContainer container = new ElasticsearchContainer(DockerImageName.parse(IMAGE))
                    .withEnv("xpack.security.enabled", "false")
                    .withEnv("ES_JAVA_OPTS", "-Xms512m -Xmx512m");
            container.start();
            return new Holder(new ElasticsearchService(URI.create("http://" + container.getHttpHostAddress())),
                    container);
        }
        throw TestServices.unavailable("Elasticsearch", URL_VARIABLE,
                "Elasticsearch 8.19.21 (from Maven Central)");
    }

    private record Holder(ElasticsearchService service, ElasticsearchContainer container)
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
