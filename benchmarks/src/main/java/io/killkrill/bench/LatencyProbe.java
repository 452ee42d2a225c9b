package io.killkrill.bench;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * Receipt-to-searchable latency: polls Elasticsearch every {@code pollMillis} for probe documents (service
 * {@code probe}, MSGID {@code P<seq>}) not seen before, and records for each its first-seen time minus its
 * {@code received_at} (both from this machine's clock), and minus the time the load generator sent it.
 */
final class LatencyProbe implements AutoCloseable {
    private final Elasticsearch es;
    private final String index;
    private final Map<Long, Long> sentAtMillis;
    private final ConcurrentMap<Long, Long> receiptToSearchable = new ConcurrentHashMap<>();
    private final ConcurrentMap<Long, Long> sendToSearchable = new ConcurrentHashMap<>();
    private final Thread poller;
    private volatile boolean running = true;
    private long oldestUnseen;
    volatile long polls;

    LatencyProbe(Elasticsearch es, String index, Map<Long, Long> sentAtMillis, long pollMillis) {
        this.es = es;
        this.index = index;
        this.sentAtMillis = sentAtMillis;
        this.poller = new Thread(() -> run(pollMillis), "latency-poller");
        poller.setDaemon(true);
        poller.start();
    }

    private void run(long pollMillis) {
        while (running) {
            long started = System.currentTimeMillis();
            try {
                poll();
                polls++;
            } catch (Exception e) {
                System.out.println("latency poll failed (stage=search): " + e);
            }
            long wait = pollMillis - (System.currentTimeMillis() - started);
            if (wait > 0) {
                try {
                    TimeUnit.MILLISECONDS.sleep(wait); // the poll period itself
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private void poll() throws Exception {
        long now = System.currentTimeMillis();
        while (receiptToSearchable.containsKey(oldestUnseen)
                || (sentAtMillis.containsKey(oldestUnseen) && now - sentAtMillis.get(oldestUnseen) > 60_000)) {
            oldestUnseen++; // seen, or given up on (counted as missing at the end)
        }
        long from = sentAtMillis.getOrDefault(oldestUnseen, now) - 2_000;
        Object searchAfter = null;
        while (true) {
            String body = "{\"size\":5000,\"_source\":[\"received_at\",\"syslog.msg_id\"],\"track_total_hits\":false,"
                    + "\"query\":{\"bool\":{\"filter\":[{\"term\":{\"service\":\"probe\"}},{\"range\":{\"received_at\":"
                    + "{\"gte\":" + from + ",\"format\":\"epoch_millis\"}}}]}},\"sort\":[{\"received_at\":\"asc\"},"
                    + "{\"syslog.msg_id\":\"asc\"}]" + (searchAfter == null ? "" : ",\"search_after\":" + searchAfter) + "}";
            JsonNode hits = es.search(index, body).path("hits").path("hits");
            long seenAt = System.currentTimeMillis();
            for (JsonNode hit : hits) {
                String msgId = hit.path("_source").path("syslog").path("msg_id").asText("");
                if (!msgId.startsWith("P")) {
                    continue;
                }
                long seq = Long.parseLong(msgId.substring(1));
                if (receiptToSearchable.containsKey(seq)) {
                    continue;
                }
                long receivedAt = Instant.parse(hit.path("_source").path("received_at").asText()).toEpochMilli();
                receiptToSearchable.put(seq, seenAt - receivedAt);
                Long sent = sentAtMillis.get(seq);
                if (sent != null) {
                    sendToSearchable.put(seq, seenAt - sent);
                }
            }
            if (hits.size() < 5000) {
                return;
            }
            searchAfter = hits.get(hits.size() - 1).path("sort").toString();
        }
    }

    long seen() {
        return receiptToSearchable.size();
    }

    /** Latency percentiles in milliseconds. */
    record Percentiles(long count, long p50, long p95, long p99, long max) {
        static Percentiles of(java.util.Collection<Long> values) {
            List<Long> sorted = new ArrayList<>(values);
            Collections.sort(sorted);
            if (sorted.isEmpty()) {
                return new Percentiles(0, -1, -1, -1, -1);
            }
            return new Percentiles(sorted.size(), at(sorted, 0.50), at(sorted, 0.95), at(sorted, 0.99),
                    sorted.get(sorted.size() - 1));
        }

        private static long at(List<Long> sorted, double q) {
            return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
        }
    }

    Percentiles receiptToSearchable() {
        return Percentiles.of(receiptToSearchable.values());
    }

    Percentiles sendToSearchable() {
        return Percentiles.of(sendToSearchable.values());
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        poller.join(10_000);
    }
}
