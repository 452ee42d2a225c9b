package io.killkrill.receivers.http;

import io.killkrill.receivers.ReceiverMetrics;
import io.killkrill.receivers.enqueue.FlowGate;
import io.killkrill.receivers.enqueue.IdempotencyStore;
import io.killkrill.receivers.enqueue.StreamWriter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpServerCodec;

import java.util.List;

/**
 * The named stages of one HTTP connection (see {@link HttpReceiver} for what each does) and what they share
 * across connections: the API keys, the decoders, the memory budget.
 */
final class HttpStages {
    /** The stage names, in pipeline order. */
    static final List<String> NAMES = List.of("codec", "sequencer", "timeouts", "response", "router", "auth",
            "idempotency", "admission", "body", "decoder", "ingest");

    private final HttpSettings settings;
    private final StreamWriter writer;
    private final FlowGate gate;
    private final IdempotencyStore idempotency;
    private final ReceiverMetrics metrics;
    private final ApiKeys keys;
    private final BodyDecoders decoders = BodyDecoders.standard();
    private final MemoryBudget budget;

    HttpStages(HttpSettings settings, StreamWriter writer, FlowGate gate, IdempotencyStore idempotency,
               ReceiverMetrics metrics) {
        this.settings = settings;
        this.writer = writer;
        this.gate = gate;
        this.idempotency = idempotency;
        this.metrics = metrics;
        this.keys = new ApiKeys(settings.apiKeys());
        this.budget = new MemoryBudget(settings.memoryBudgetBytes());
        metrics.httpBodyBudgetGauge(budget::used);
    }

    MemoryBudget budget() {
        return budget;
    }

    void install(ChannelPipeline pipeline) {
        pipeline.addLast("codec", new HttpServerCodec())
                .addLast("sequencer", new RequestSequencer())
                .addLast("timeouts", new ConnectionTimeouts(settings.idleTimeout(), settings.bodyTimeout()))
                .addLast("response", new ResponseWriter(metrics, settings.maxBodyBytes()))
                .addLast("router", new HttpRouter(writer, metrics, budget, settings.maxBodyBytes()))
                .addLast("auth", new ApiKeyAuth(keys, metrics))
                .addLast("idempotency", new IdempotencyStage(idempotency, metrics))
                .addLast("admission", new RequestAdmission(settings, decoders, gate, budget, metrics))
                .addLast("body", new BodyReader(settings.maxBodyBytes(), budget, metrics))
                .addLast("decoder", new BodyDecoderStage(settings.maxItems(), budget, metrics))
                .addLast("ingest", new IngestStage(writer, idempotency.ttl(), metrics));
    }
}
