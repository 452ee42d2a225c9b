package io.killkrill.logworker.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest_client.RestClientTransport;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.http.HttpHost;
import org.elasticsearch.client.RestClient;

import java.net.URI;
import java.time.Duration;

/** Builds the Elasticsearch client with explicit timeouts, so a slow Elasticsearch fails instead of hanging. */
public final class ElasticsearchClients {
    private ElasticsearchClients() {
    }

    public static ElasticsearchClient create(URI url, Duration requestTimeout, int maxConnections) {
        int timeout = (int) requestTimeout.toMillis();
        RestClient restClient = RestClient.builder(HttpHost.create(url.toString()))
                .setRequestConfigCallback(config -> config.setConnectTimeout(timeout).setSocketTimeout(timeout)
                        .setConnectionRequestTimeout(timeout))
                .setHttpClientConfigCallback(http -> http.setMaxConnTotal(maxConnections)
                        .setMaxConnPerRoute(maxConnections))
                .build();
        return new ElasticsearchClient(new RestClientTransport(restClient, new JacksonJsonpMapper(new ObjectMapper())));
    }
}
