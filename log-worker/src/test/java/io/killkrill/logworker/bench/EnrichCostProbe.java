package io.killkrill.logworker.bench;

import co.elastic.clients.elasticsearch.core.BulkRequest;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.killkrill.logworker.Enricher;
import io.killkrill.model.EntryDecoding;
import io.killkrill.model.IngestContext;
import io.killkrill.model.Json;
import io.killkrill.model.LogEvent;
import io.killkrill.model.LogEventCodec;
import io.killkrill.model.Source;
import io.killkrill.model.Validated;

import java.io.ByteArrayOutputStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** CPU cost per document of decode + enrich + bulk serialization, without any network (by hand). */
public final class EnrichCostProbe {
    private EnrichCostProbe() {
    }

    public static void main(String[] args) throws Exception {
        List<Map<String, String>> entries = new ArrayList<>();
        for (int n = 0; n < 1000; n++) {
            String json = "{\"message\":\"GET /api/orders/" + n + " 200 12ms\",\"service\":\"checkout\",\"level\":\"info\","
                    + "\"host\":\"web-1\",\"timestamp\":\"2026-03-04T10:15:30.123Z\","
                    + "\"attributes\":{\"order\":\"o-" + n + "\",\"status\":200,\"latency_ms\":12.5}}";
            LogEvent e = ((Validated.Valid<LogEvent>) LogEventCodec.fromInput(Json.MAPPER.readTree(json),
                    IngestContext.now(Source.http("10.0.0.1:1")))).value();
            entries.add(LogEventCodec.toEntry(e));
        }
        Enricher enricher = new Enricher("logs", "dev", "x", Clock.systemUTC());
        JacksonJsonpMapper mapper = new JacksonJsonpMapper(new ObjectMapper());
        for (int round = 0; round < 30; round++) {
            long d0 = System.nanoTime();
            for (Map<String, String> entry : entries) {
                LogEventCodec.fromEntry(entry);
            }
            long d1 = System.nanoTime();
            for (Map<String, String> entry : entries) {
                Json.MAPPER.readTree(entry.get("data"));
            }
            long d2 = System.nanoTime();
            if (round % 5 == 4) {
                System.out.printf("decode only %.1f ms, readTree only %.1f ms%n", (d1 - d0) / 1e6, (d2 - d1) / 1e6);
            }
            long t0 = System.nanoTime();
            List<BulkOperation> ops = new ArrayList<>();
            for (Map<String, String> entry : entries) {
                LogEvent event = ((EntryDecoding.Decoded<LogEvent>) LogEventCodec.fromEntry(entry)).value();
                var doc = enricher.document(event);
                String index = enricher.indexFor(event);
                ops.add(BulkOperation.of(b -> b.create(c -> c.index(index).id(event.eventId()).document(doc))));
            }
            long t1 = System.nanoTime();
            BulkRequest request = BulkRequest.of(b -> b.operations(ops));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (BulkOperation op : request.operations()) {
                var gen = mapper.jsonProvider().createGenerator(out);
                op.serialize(gen, mapper);
                gen.close();
                var gen2 = mapper.jsonProvider().createGenerator(out);
                mapper.serialize(op.create().document(), gen2);
                gen2.close();
            }
            long t2 = System.nanoTime();
            if (round % 5 == 4) {
                System.out.printf("decode+enrich %.1f ms, serialize %.1f ms per 1000 (%d bytes)%n",
                        (t1 - t0) / 1e6, (t2 - t1) / 1e6, out.size());
            }
        }
    }
}
