package io.killkrill.logworker.elasticsearch;


import java.util.Objects;

/**
 * One document to index.
 *
 * @param key      the caller's handle (the stream entry ID), handed back with the result
 * @param index    target index
 * @param id       document {@code _id}: the event ID, so a redelivered entry never makes a second document
 * @param document the JSON body, UTF-8
 */
public record IndexDocument(String key, String index, String id, byte[] document) {
    public IndexDocument {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(index, "index");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(document, "document");
    }
}
