package io.killkrill.logworker.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.json.JsonpMapper;
import co.elastic.clients.transport.rest_client.RestClientTransport;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import jakarta.json.stream.JsonParser;
import org.apache.http.entity.ContentType;
import org.apache.http.nio.entity.NByteArrayEntity;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.Response;
import org.elasticsearch.client.RestClient;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
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

    /** Indexes each document with a {@code create} action (so a redelivered document is a 409, not a copy). */
    BulkResponse send(List<IndexDocument> documents) throws IOException;

    /**
     * Sends through {@code client}'s REST client, the body as one contiguous NDJSON buffer with a
     * Content-Length, and reads the answer with the client's own {@link BulkResponse} deserializer.
     * (elasticsearch-java's {@code bulk()} sends every action line and document as a buffer of its own, in
     * HTTP chunks: per document, a chunk header to write and for Elasticsearch to parse. Measured: its I/O
     * thread used more CPU than the worker's own loops.)
     */
    static BulkTransport of(ElasticsearchClient client) {
        RestClient rest = ((RestClientTransport) client._transport()).restClient();
        JsonpMapper mapper = client._transport().jsonpMapper();
        ContentType ndjson = ContentType.create("application/x-ndjson", StandardCharsets.UTF_8);
        return documents -> {
            Request request = new Request("POST", "/_bulk");
            request.addParameter("filter_path", RESPONSE_FIELDS);
            request.setEntity(new NByteArrayEntity(body(documents), ndjson));
            Response response = rest.performRequest(request); // a non-2xx answer throws ResponseException
            try (InputStream in = response.getEntity().getContent();
                 JsonParser parser = mapper.jsonProvider().createParser(in)) {
                return BulkResponse._DESERIALIZER.deserialize(parser, mapper);
            }
        };
    }

    /** {@code {"create":{"_index":...,"_id":...}}} and the document, one line each, for every document. */
    static byte[] body(List<IndexDocument> documents) {
        JsonStringEncoder encoder = JsonStringEncoder.getInstance();
        int size = 0;
        for (IndexDocument document : documents) {
            size += document.document().length + 96;
        }
        ByteArrayBuilder body = new ByteArrayBuilder(size);
        for (IndexDocument document : documents) {
            body.write(CREATE_INDEX);
            body.write(encoder.quoteAsUTF8(document.index()));
            body.write(ID);
            body.write(encoder.quoteAsUTF8(document.id()));
            body.write(END_OF_ACTION);
            body.write(document.document());
            body.write('\n');
        }
        return body.toByteArray();
    }

    byte[] CREATE_INDEX = "{\"create\":{\"_index\":\"".getBytes(StandardCharsets.UTF_8);
    byte[] ID = "\",\"_id\":\"".getBytes(StandardCharsets.UTF_8);
    byte[] END_OF_ACTION = "\"}}\n".getBytes(StandardCharsets.UTF_8);
}
