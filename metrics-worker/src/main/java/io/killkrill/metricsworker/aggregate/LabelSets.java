package io.killkrill.metricsworker.aggregate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.killkrill.model.Json;
import io.killkrill.model.MetricSampleCodec;

import java.util.Iterator;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** Label sets in their stored, canonical form: a JSON object with keys in sorted order. */
public final class LabelSets {
    private LabelSets() {
    }

    /** The contract's canonical text, whose length the receivers bound ({@code MAX_LABEL_SET_BYTES}). */
    public static String canonical(Map<String, String> labels) {
        return MetricSampleCodec.canonicalLabels(labels);
    }

    public static SortedMap<String, String> parse(String canonical) {
        SortedMap<String, String> labels = new TreeMap<>();
        try {
            JsonNode node = Json.MAPPER.readTree(canonical);
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                labels.put(e.getKey(), e.getValue().asText());
            }
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("stored labels are not a JSON object: " + canonical, e);
        }
        return labels;
    }
}
