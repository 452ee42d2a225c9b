package io.killkrill.logworker.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;

import java.io.IOException;
import java.io.StringReader;

/**
 * Installs (idempotently) the composable index template for {@code <prefix>-*} with {@link #MAPPINGS}: keyword
 * {@code service}, {@code level} and {@code host}; text {@code message}; date {@code @timestamp}; and
 * {@code attributes} as {@code flattened}, so that one client sending a number
 * where another sent text cannot make the index refuse everyone's documents. Unknown top-level fields are not
 * indexed ({@code dynamic: false}) but stay in {@code _source}. The template also sets the replica count, so a
 * single-node cluster is not left yellow with replicas it cannot allocate.
 */
public final class IndexTemplateInstaller {
    private final ElasticsearchClient client;
    private final String prefix;
    private final int replicas;

    /** @param replicas {@code index.number_of_replicas} of every index the template matches (0 on one node) */
    public IndexTemplateInstaller(ElasticsearchClient client, String prefix, int replicas) {
        this.client = client;
        this.prefix = prefix;
        this.replicas = replicas;
    }

    public String templateName() {
        return prefix + "-killkrill-logs";
    }

    public void install() throws IOException {
        client.indices().putIndexTemplate(t -> t.name(templateName()).withJson(new StringReader(templateJson())));
    }

    /**
     * The mappings of every index the template matches: what people search or aggregate on is indexed, the rest is
     * kept in {@code _source} only ({@code index: false, doc_values: false}), each field's cost measured by the
     * bench's {@code es-cost} phase (docs/log-worker.md, "The mapping and what each field costs"). {@code event_id}
     * is the document's {@code _id} (an {@code ids} query finds it); {@code processed_at}, {@code ingest_lag_ms},
     * {@code environment}, {@code version} and {@code source.peer} are the worker's and the receiver's bookkeeping;
     * {@code message} is text without norms (logs are filtered, not ranked) and without a keyword copy.
     */
    public static final String MAPPINGS = """
            {
              "dynamic": false,
              "properties": {
                "@timestamp": {"type": "date"},
                "message": {"type": "text", "norms": false},
                "service": {"type": "keyword"},
                "level": {"type": "keyword"},
                "host": {"type": "keyword"},
                "trace_id": {"type": "keyword"},
                "span_id": {"type": "keyword"},
                "event_id": {"type": "keyword", "index": false, "doc_values": false},
                "attributes": {"type": "flattened", "ignore_above": 8191},
                "syslog": {"properties": {
                  "format": {"type": "keyword"},
                  "facility": {"type": "integer"},
                  "severity": {"type": "integer"},
                  "app_name": {"type": "keyword"},
                  "proc_id": {"type": "keyword"},
                  "msg_id": {"type": "keyword"}
                }},
                "source": {"properties": {
                  "type": {"type": "keyword"},
                  "peer": {"type": "keyword", "index": false, "doc_values": false}
                }},
                "received_at": {"type": "date"},
                "processed_at": {"type": "date", "index": false, "doc_values": false},
                "ingest_lag_ms": {"type": "long", "index": false, "doc_values": false},
                "environment": {"type": "keyword", "index": false, "doc_values": false},
                "version": {"type": "keyword", "index": false, "doc_values": false}
              }
            }
            """;

    String templateJson() {
        return """
                {
                  "index_patterns": ["%s-*"],
                  "priority": 200,
                  "_meta": {"managed_by": "killkrill log-worker"},
                  "template": {
                    "settings": {"index": {"number_of_replicas": %d}},
                    "mappings": %s
                  }
                }
                """.formatted(prefix, replicas, MAPPINGS);
    }
}
