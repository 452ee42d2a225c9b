package io.killkrill.logworker;

import io.killkrill.logworker.elasticsearch.BulkIndexer;
import io.killkrill.logworker.elasticsearch.IndexDocument;
import io.killkrill.logworker.elasticsearch.IndexResult;
import io.killkrill.model.DeadLetter;
import io.killkrill.model.EntryDecoding;
import io.killkrill.model.LogEvent;
import io.killkrill.model.LogEventCodec;
import io.killkrill.model.Stage;
import io.killkrill.stream.Batch;
import io.killkrill.stream.EntryFate;
import io.killkrill.stream.StreamRecord;
import io.killkrill.stream.StreamSink;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The log-worker's sink: validate each entry (an invalid one is dead-lettered at stage VALIDATE), enrich it,
 * and index the batch through the {@link BulkIndexer}; every entry leaves with a final fate.
 */
public final class LogEventSink implements StreamSink<Batch> {
    static final String SERVICE = "log-worker";

    private final String stream;
    private final Enricher enricher;
    private final BulkIndexer indexer;

    public LogEventSink(String stream, Enricher enricher, BulkIndexer indexer) {
        this.stream = stream;
        this.enricher = enricher;
        this.indexer = indexer;
    }

    /** Nothing to prepare ahead: the log-worker reads no batch ahead. */
    @Override
    public Batch prepare(Batch batch) {
        return batch;
    }

    /**
     * Indexes the batch in slices of at most the bulk byte budget (by the entries' size), one slice's documents
     * in memory at a time: a batch of a dozen 9 MB events must not hold a second copy of all of them. The
     * {@link BulkIndexer} cuts each slice's requests by the exact body size. An interrupt between slices
     * abandons the batch; the entries of slices already indexed are redelivered and answered 409 (indexed).
     */
    @Override
    public List<EntryFate> put(Batch batch) throws InterruptedException {
        List<EntryFate> fates = new ArrayList<>(batch.size());
        List<StreamRecord> slice = new ArrayList<>();
        long sliceBytes = 0;
        for (StreamRecord record : batch.records()) {
            long bytes = approximateBytes(record);
            if (!slice.isEmpty() && sliceBytes + bytes > indexer.maxBulkBytes()) {
                fates.addAll(index(slice));
                slice = new ArrayList<>();
                sliceBytes = 0;
            }
            slice.add(record);
            sliceBytes += bytes;
        }
        fates.addAll(index(slice));
        return fates;
    }

    /** About what the entry's document takes in a bulk body: its fields' text (the document adds ~0.5 KB). */
    private static long approximateBytes(StreamRecord record) {
        long bytes = 512;
        for (Map.Entry<String, String> field : record.fields().entrySet()) {
            bytes += field.getKey().length() + field.getValue().length();
        }
        return bytes;
    }

    private List<EntryFate> index(List<StreamRecord> batch) throws InterruptedException {
        List<EntryFate> fates = new ArrayList<>(batch.size());
        List<IndexDocument> documents = new ArrayList<>(batch.size());
        Map<String, StreamRecord> byEntryId = new LinkedHashMap<>();
        for (StreamRecord record : batch) {
            EntryDecoding<LogEvent> decoding = LogEventCodec.fromEntry(record.fields());
            if (decoding instanceof EntryDecoding.Decoded<LogEvent> decoded) {
                LogEvent event = decoded.value();
                documents.add(new IndexDocument(record.id(), enricher.indexFor(event), event.eventId(),
                        enricher.document(event)));
                byEntryId.put(record.id(), record);
            } else if (decoding instanceof EntryDecoding.Undecodable<LogEvent> undecodable) {
                fates.add(new EntryFate.DeadLettered(record.id(), DeadLetter.ofEntry(stream, record.id(),
                        record.fields(), Stage.VALIDATE, undecodable.reason(), undecodable.message(), 1, SERVICE)));
            }
        }
        if (documents.isEmpty()) {
            return fates;
        }
        for (IndexResult result : indexer.index(documents)) {
            String entryId = result.document().key();
            if (result.indexed()) {
                fates.add(new EntryFate.Completed(entryId));
                continue;
            }
            Map<String, String> details = new LinkedHashMap<>();
            details.put("status", Integer.toString(result.outcome().status()));
            details.put("index", result.document().index());
            details.put("event_id", result.document().id());
            result.outcome().error().ifPresent(error -> {
                details.put("error_type", error.type());
                details.put("error_reason", error.reason());
            });
            String error = result.outcome().error().map(e -> " " + e.type() + ": " + e.reason()).orElse("");
            String message = result.attempts() == 0
                    ? "not sent to Elasticsearch:" + error
                    : "Elasticsearch answered " + result.outcome().status() + error + " after " + result.attempts()
                    + " attempt(s)";
            DeadLetter letter = DeadLetter.ofEntry(stream, entryId, byEntryId.get(entryId).fields(),
                    Stage.BULK_INDEX, result.deadLetterReason().orElseThrow(), message,
                    Math.max(1, result.attempts()), SERVICE) // a dead letter counts at least one attempt
                    .withDetails(details);
            fates.add(new EntryFate.DeadLettered(entryId, letter));
        }
        return fates;
    }
}
