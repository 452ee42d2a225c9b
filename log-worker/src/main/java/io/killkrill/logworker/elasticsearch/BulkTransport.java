package io.killkrill.logworker.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;

import java.io.IOException;
import java.util.List;

/** Sends one bulk request. Any exception is a whole-request failure, retried by {@link BulkIndexer}. */
@FunctionalInterface
public interface BulkTransport {
    /**
     * What the worker reads of a bulk answer: each item's operation, index, ID, status and error. The rest
     * (versions, sequence numbers, shard counts) is left out by Elasticsearch ({@code filter_path}), which
     * spares both sides building and parsing about half of every answer.
     */
    String RESPONSE_FIELDS = "took,errors,items.*._index,items.*._id,items.*.status,items.*.error";

    BulkResponse send(List<BulkOperation> operations) throws IOException;

    /** Sends through {@code client}, asking only for {@link #RESPONSE_FIELDS}. */
    static BulkTransport of(ElasticsearchClient client) {
        ElasticsearchClient filtered = client.withTransportOptions(o -> o.setParameter("filter_path", RESPONSE_FIELDS));
        return operations -> filtered.bulk(b -> b.operations(operations));
    }
}
