package io.killkrill.logworker.elasticsearch;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

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
}
