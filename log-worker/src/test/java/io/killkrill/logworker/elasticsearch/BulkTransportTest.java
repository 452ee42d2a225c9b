package io.killkrill.logworker.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BulkTransportTest {

    private static IndexDocument document(String index, String id, String json) {
        return new IndexDocument("entry-" + id, index, id, json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theBodyIsOneCreateActionAndOneDocumentLinePerDocument() {
        byte[] body = BulkTransport.body(List.of(
                document("logs-2026.03.04", "0190a0b0-0000-7000-8000-000000000001", "{\"message\":\"a\"}"),
                document("logs-2026.03.05", "0190a0b0-0000-7000-8000-000000000002", "{\"message\":\"é\\n\"}")));

        assertThat(new String(body, StandardCharsets.UTF_8)).isEqualTo("""
                {"create":{"_index":"logs-2026.03.04","_id":"0190a0b0-0000-7000-8000-000000000001"}}
                {"message":"a"}
                {"create":{"_index":"logs-2026.03.05","_id":"0190a0b0-0000-7000-8000-000000000002"}}
                {"message":"é\\n"}
                """);
    }

    @Test
    void indexNamesAndIdsAreJsonEscaped() {
        byte[] body = BulkTransport.body(List.of(document("odd\"index", "id\\1", "{}")));

        assertThat(new String(body, StandardCharsets.UTF_8))
                .startsWith("{\"create\":{\"_index\":\"odd\\\"index\",\"_id\":\"id\\\\1\"}}\n");
    }

    /**
     * A cluster that cannot be reached is a plain I/O failure, which {@link BulkIndexer} retries as a whole request,
     * not a {@link BulkRequestFailure} (an HTTP answer). Port 1 refuses: no Elasticsearch is involved.
     */
    @Test
    void anUnreachableClusterIsAnIoFailureNotAnAnswer() throws IOException {
        ElasticsearchClient client = ElasticsearchClients.create(URI.create("http://127.0.0.1:1"),
                Duration.ofSeconds(2), 1);
        try {
            BulkTransport transport = BulkTransport.of(client);

            assertThatThrownBy(() -> transport.send(List.of(document("logs-2026.03.04", "1", "{}"))))
                    .isInstanceOf(ConnectException.class).isNotInstanceOf(BulkRequestFailure.class);
        } finally {
            client._transport().close();
        }
    }
}
