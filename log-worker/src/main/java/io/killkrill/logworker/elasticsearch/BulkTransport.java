package io.killkrill.logworker.elasticsearch;

import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;

import java.io.IOException;
import java.util.List;

/** Sends one bulk request. Any exception is a whole-request failure, retried by {@link BulkIndexer}. */
@FunctionalInterface
public interface BulkTransport {
    BulkResponse send(List<BulkOperation> operations) throws IOException;
}
