package io.killkrill.it.support;

import org.testcontainers.elasticsearch.ElasticsearchContainer;
import org.testcontainers.utility.DockerImageName;

import java.net.URI;

/** Injects an {@link ElasticsearchService}, started (or found) once per JVM. */
public final class ElasticsearchExtension extends SharedServiceExtension<ElasticsearchService> {
    public static final String URL_VARIABLE = "KILLKRILL_TEST_ELASTICSEARCH_URL";
    static final String IMAGE = "docker.elastic.co/elasticsearch/elasticsearch:8.19.21";

    public ElasticsearchExtension() {
        super(ElasticsearchService.class);
    }

    @Override
    Running<ElasticsearchService> start() {
        var configured = TestServices.setting(URL_VARIABLE);
        if (configured.isPresent()) {
            ElasticsearchService service = new ElasticsearchService(URI.create(configured.get()));
            return new Running<>(service, service::close);
        }
        if (TestServices.dockerAvailable()) {
            ElasticsearchContainer container = new ElasticsearchContainer(DockerImageName.parse(IMAGE))
                    .withEnv("xpack.security.enabled", "false")
                    .withEnv("ES_JAVA_OPTS", "-Xms512m -Xmx512m");
            container.start();
            ElasticsearchService service =
                    new ElasticsearchService(URI.create("http://" + container.getHttpHostAddress()));
            return new Running<>(service, () -> {
                service.close();
                container.stop();
            });
        }
        throw TestServices.unavailable("Elasticsearch", URL_VARIABLE,
                "Elasticsearch 8.19.21 (from Maven Central)");
    }
}
