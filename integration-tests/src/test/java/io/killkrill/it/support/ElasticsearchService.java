package io.killkrill.it.support;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest_client.RestClientTransport;
import org.apache.http.HttpHost;
import org.elasticsearch.client.RestClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Locale;
import java.util.UUID;

/** A real Elasticsearch for a test, with a typed client. */
public final class ElasticsearchService {
    private final URI uri;
    private final RestClient restClient;
    private final ElasticsearchClient client;

    ElasticsearchService(URI uri) {
        this.uri = uri;
        this.restClient = RestClient.builder(HttpHost.create(uri.toString())).build();
        this.client = new ElasticsearchClient(new RestClientTransport(restClient, new JacksonJsonpMapper()));
    }

    public URI uri() {
        return uri;
    }

    public ElasticsearchClient client() {
        return client;
    }

    /** An index name (or prefix) unique to one test. */
    public static String uniqueIndex(String testName) {
        return ("it-" + testName + "-" + UUID.randomUUID().toString().substring(0, 8)).toLowerCase(Locale.ROOT);
    }

    void close() {
        try {
            restClient.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
