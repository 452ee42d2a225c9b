package io.killkrill.logworker.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;

import java.io.IOException;
import java.io.StringReader;

/**
 * Installs (idempotently) the composable index template for {@code <prefix>-*}: keyword {@code service},
 * {@code level} and {@code host}; text {@code message} with a {@code keyword} sub-field; date
 * {@code @timestamp}; and {@code attributes} as {@code flattened}, so that one client sending a number
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

    String templateJson() {
        return """
                {
                  "index_patterns": ["%s-*"],
                  "priority": 200,
                  "_meta": {"managed_by": "killkrill log-worker"},
                  "template": {
                    "settings": {"index": {"number_of_replicas": %d}},
                    "mappings": {
                      "dynamic": false,
                      "properties": {
                        "@timestamp": {"type": "date"},
                        "message": {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 8191}}},
                        "service": {"type": "keyword"},
                        "level": {"type": "keyword"},
                        "host": {"type": "keyword"},
                        "trace_id": {"type": "keyword"},
                        "span_id": {"type": "keyword"},
                        "event_id": {"type": "keyword"},
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
                          "peer": {"type": "keyword"}
                        }},
                        "received_at": {"type": "date"},
                        "processed_at": {"type": "date"},
                        "ingest_lag_ms": {"type": "long"},
                        "environment": {"type": "keyword"},
                        "version": {"type": "keyword"}
                      }
                    }
                  }
                }
                """.formatted(prefix, replicas);
    }
}
