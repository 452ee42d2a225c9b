package io.killkrill.logworker.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.json.JsonpMapper;
import co.elastic.clients.transport.rest_client.RestClientTransport;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import jakarta.json.stream.JsonParser;
import org.apache.http.entity.ContentType;
import org.apache.http.nio.entity.NByteArrayEntity;
import org.apache.http.util.EntityUtils;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.Response;
import org.elasticsearch.client.ResponseException;
import org.elasticsearch.client.RestClient;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Sends one bulk request. An error answer to the whole request is a {@link BulkRequestFailure} (its status and
 * Elasticsearch's error); any other exception (refused, timed out) is an outage. {@link BulkIndexer} decides.
 */
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
            Response response;
            try {
                response = rest.performRequest(request);
            } catch (ResponseException e) {
                Response answer = e.getResponse();
                byte[] error = answer.getEntity() == null ? new byte[0] : EntityUtils.toByteArray(answer.getEntity());
                throw BulkRequestFailure.of(answer.getStatusLine().getStatusCode(),
                        answer.getStatusLine().getReasonPhrase(), error);
            }
            try (InputStream in = response.getEntity().getContent();
                 JsonParser parser = mapper.jsonProvider().createParser(in)) {
                return BulkResponse._DESERIALIZER.deserialize(parser, mapper);
            }
        };
    }

    /**
     * {@code {"create":{"_index":...,"_id":...}}} and the document, one line each, for every document, in one
     * array of exactly {@link #lineBytes} per document (no growing buffer, no final copy: with documents of
     * several MB, the body is the worker's largest allocation).
     */
    static byte[] body(List<IndexDocument> documents) {
        JsonStringEncoder encoder = JsonStringEncoder.getInstance();
        long size = 0;
        for (IndexDocument document : documents) {
            size += lineBytes(document);
        }
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("a bulk body of " + size + " bytes does not fit in one array");
        }
        byte[] body = new byte[(int) size];
        int at = 0;
        for (IndexDocument document : documents) {
            at = put(body, at, CREATE_INDEX);
            at = put(body, at, encoder.quoteAsUTF8(document.index()));
            at = put(body, at, ID);
            at = put(body, at, encoder.quoteAsUTF8(document.id()));
            at = put(body, at, END_OF_ACTION);
            at = put(body, at, document.document());
            body[at++] = '\n';
        }
        return body;
    }

    /** How many bytes {@code document} takes in a bulk body: its action line and its document line. */
    static long lineBytes(IndexDocument document) {
        JsonStringEncoder encoder = JsonStringEncoder.getInstance();
        return CREATE_INDEX.length + encoder.quoteAsUTF8(document.index()).length + ID.length
                + encoder.quoteAsUTF8(document.id()).length + END_OF_ACTION.length + document.document().length + 1L;
    }

    private static int put(byte[] body, int at, byte[] bytes) {
        System.arraycopy(bytes, 0, body, at, bytes.length);
        return at + bytes.length;
    }

    byte[] CREATE_INDEX = "{\"create\":{\"_index\":\"".getBytes(StandardCharsets.UTF_8);
    byte[] ID = "\",\"_id\":\"".getBytes(StandardCharsets.UTF_8);
    byte[] END_OF_ACTION = "\"}}\n".getBytes(StandardCharsets.UTF_8);
}
