package io.killkrill.receivers.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.killkrill.model.Json;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * The answers to the probes shippers make before they send: {@code GET /} and {@code HEAD /} (Filebeat and Vector
 * read {@code version.number} to choose their request format) and {@code GET /_license} (Filebeat checks for an
 * active license, {@code basic} being the free one every cluster has). They say what answers: KillKrill, which
 * takes the Elasticsearch bulk API subset for log events and is not Elasticsearch ({@code tagline}). Nothing else
 * of the Elasticsearch API is answered (404).
 */
final class EsProbe {
    /** The Elasticsearch version whose bulk API the subset follows; shippers pick their request format by it. */
    static final String COMPATIBLE_VERSION = "8.11.0";

    private EsProbe() {
    }

    static Answer root() {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("name", "killkrill-receivers");
        body.put("cluster_name", "killkrill");
        body.put("cluster_uuid", "_na_");
        ObjectNode version = body.putObject("version");
        version.put("number", COMPATIBLE_VERSION);
        version.put("build_flavor", "default");
        version.put("minimum_wire_compatibility_version", "7.17.0");
        version.put("minimum_index_compatibility_version", "7.0.0");
        body.put("tagline", "KillKrill receivers: not Elasticsearch; POST /_bulk (index and create of log events) "
                + "is all that is answered");
        return Answer.of(HttpResponseStatus.OK, Json.write(body), Answer.JSON);
    }

    static Answer license() {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ObjectNode license = body.putObject("license");
        license.put("status", "active");
        license.put("uid", "killkrill");
        license.put("type", "basic");
        license.put("issued_to", "killkrill");
        license.put("issuer", "killkrill (not Elasticsearch: no license applies)");
        license.put("start_date_in_millis", -1);
        return Answer.of(HttpResponseStatus.OK, Json.write(body), Answer.JSON);
    }
}
