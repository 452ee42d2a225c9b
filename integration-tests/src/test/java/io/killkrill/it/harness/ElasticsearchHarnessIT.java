package io.killkrill.it.harness;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import io.killkrill.it.support.ElasticsearchExtension;
import io.killkrill.it.support.ElasticsearchService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The Elasticsearch the suite runs against is real: a bulk request is indexed and found by search. */
@ExtendWith(ElasticsearchExtension.class)
class ElasticsearchHarnessIT {

    @Test
    void bulkIndexedDocumentsAreSearchable(ElasticsearchService elasticsearch) throws IOException {
        ElasticsearchClient client = elasticsearch.client();
        String index = ElasticsearchService.uniqueIndex("harness");
        List<BulkOperation> operations = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Map<String, Object> document = Map.of("service", i % 2 == 0 ? "even" : "odd", "n", i);
            String id = "doc-" + i;
            operations.add(BulkOperation.of(b -> b.index(op -> op.index(index).id(id).document(document))));
        }

        BulkResponse bulk = client.bulk(b -> b.operations(operations).refresh(
                co.elastic.clients.elasticsearch._types.Refresh.True));

        assertThat(bulk.errors()).isFalse();
        assertThat(bulk.items()).hasSize(10);
        @SuppressWarnings("rawtypes")
        SearchResponse<Map> even = client.search(s -> s.index(index)
                .query(q -> q.term(t -> t.field("service.keyword").value("even"))), Map.class);
        assertThat(even.hits().total().value()).isEqualTo(5);
        assertThat(client.count(c -> c.index(index)).count()).isEqualTo(10);
        client.indices().delete(d -> d.index(index));
    }
}
