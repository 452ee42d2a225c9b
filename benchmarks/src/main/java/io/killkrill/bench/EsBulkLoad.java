package io.killkrill.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Elasticsearch bulk API load: the HTTP phase's events ({@link HttpLoad#logEvent}) as {@code POST /_bulk} bodies,
 * an {@code index} action without {@code _id} before each document, as Filebeat or the official client's bulk
 * helper sends them.
 */
final class EsBulkLoad {
    static final String[] HEADERS = {"Content-Type", "application/x-ndjson"};

    private EsBulkLoad() {
    }

    static HttpLoad.Bodies bodies(int total, int perBatch, String day) {
        List<byte[]> bodies = new ArrayList<>();
        Map<byte[], Integer> items = new IdentityHashMap<>();
        for (int start = 0; start < total; start += perBatch) {
            StringBuilder body = new StringBuilder();
            int end = Math.min(total, start + perBatch);
            for (int i = start; i < end; i++) {
                body.append("{\"index\":{\"_index\":\"bench\"}}\n").append(HttpLoad.logEvent(i, day)).append('\n');
            }
            byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
            bodies.add(bytes);
            items.put(bytes, end - start);
        }
        return new HttpLoad.Bodies(bodies, items);
    }
}
