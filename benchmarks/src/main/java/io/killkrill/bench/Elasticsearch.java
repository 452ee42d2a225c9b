package io.killkrill.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** The few Elasticsearch calls the benchmark needs, over plain HTTP/1.1 (one pooled connection per caller thread). */
final class Elasticsearch {
    static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    Elasticsearch(URI base) {
        this.base = base;
    }

    URI base() {
        return base;
    }

    JsonNode call(String method, String path, String body) throws IOException, InterruptedException {
        return call(method, path, body == null ? null : body.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                "application/json");
    }

    JsonNode call(String method, String path, byte[] body, String contentType) throws IOException,
            InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofMinutes(2));
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(body));
        if (body != null) {
            request.header("Content-Type", contentType);
        }
        HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        JsonNode json = response.body().length == 0 ? JSON.createObjectNode() : JSON.readTree(response.body());
        if (response.statusCode() >= 300 && response.statusCode() != 404) {
            throw new IOException(method + " " + path + " -> " + response.statusCode() + ": " + json);
        }
        return json;
    }

    /** An index with one primary shard and no replica (as the anchors were measured). */
    void createIndex(String index) throws IOException, InterruptedException {
        call("DELETE", "/" + index, (String) null);
        call("PUT", "/" + index, "{\"settings\":{\"number_of_shards\":1,\"number_of_replicas\":0}}");
    }

    /** A query clause that matches every document. */
    static final String MATCH_ALL = "{\"match_all\":{}}";

    /**
     * The documents of {@code indexPattern} that {@code query} (a query clause) matches and a search sees now: no
     * {@code _refresh} is forced, a document becomes searchable at the index's own refresh (every second while
     * searched), as for a user. Forcing one on every poll made Elasticsearch write a segment every 250 ms during a
     * flood and spend 15-20% more CPU per document (the {@code es-cost} phase measures it).
     */
    long searchableCount(String indexPattern, String query) throws InterruptedException {
        try {
            JsonNode count = call("POST", "/" + indexPattern + "/_count?ignore_unavailable=true&allow_no_indices=true",
                    "{\"query\":" + query + "}");
            return count.path("count").asLong(0);
        } catch (IOException primaryNotAssignedYet) {
            return 0; // a just-created index answers 503 until its primary shard is started
        }
    }

    /** As {@link #searchableCount} after forcing a {@code _refresh}: what the index holds. */
    long refreshedCount(String indexPattern, String query) throws InterruptedException {
        try {
            call("POST", "/" + indexPattern + "/_refresh?ignore_unavailable=true&allow_no_indices=true", (String) null);
        } catch (IOException primaryNotAssignedYet) {
            return 0;
        }
        return searchableCount(indexPattern, query);
    }

    JsonNode search(String indexPattern, String body) throws IOException, InterruptedException {
        return call("POST", "/" + indexPattern + "/_search?ignore_unavailable=true&allow_no_indices=true", body);
    }

    /** True when the bulk request had no item error. */
    boolean bulk(byte[] ndjson) throws IOException, InterruptedException {
        return bulk("/_bulk", ndjson);
    }

    /** As {@link #bulk(byte[])}, to {@code path} ({@code /<index>/_bulk} for actions without {@code _index}). */
    boolean bulk(String path, byte[] ndjson) throws IOException, InterruptedException {
        JsonNode answer = call("POST", path + "?filter_path=errors,items.*.error", ndjson, "application/x-ndjson");
        return !answer.path("errors").asBoolean(false);
    }

    /**
     * Sends {@code bodies} to {@code path} over {@code connections} connections of their own, each taking the next
     * body until none is left; returns how many requests had an item error.
     */
    int bulkInParallel(String path, List<byte[]> bodies, int connections) throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            Elasticsearch connection = new Elasticsearch(base);
            Thread t = new Thread(() -> {
                try {
                    for (int b = next.getAndIncrement(); b < bodies.size(); b = next.getAndIncrement()) {
                        if (!connection.bulk(path, bodies.get(b))) {
                            errors.incrementAndGet();
                        }
                    }
                } catch (Exception e) {
                    throw new IllegalStateException("stage=bulk-index request to " + path + " failed", e);
                }
            }, "bulk");
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        return errors.get();
    }

    void deleteIndices(String pattern) throws IOException, InterruptedException {
        JsonNode indices = call("GET", "/" + pattern + "?filter_path=*.settings.index.provided_name&expand_wildcards=all",
                (String) null);
        for (var names = indices.fieldNames(); names.hasNext(); ) {
            call("DELETE", "/" + names.next(), (String) null);
        }
    }

    void deleteTemplate(String name) throws IOException, InterruptedException {
        call("DELETE", "/_index_template/" + name, (String) null);
    }
}
