package io.killkrill.receivers.http;

import io.killkrill.model.IngestContext;
import io.killkrill.model.LogEvent;
import io.killkrill.model.LogEventCodec;
import io.killkrill.model.MetricSample;
import io.killkrill.model.MetricSampleCodec;
import io.killkrill.model.Source;
import io.killkrill.model.Validated;
import io.killkrill.receivers.Peers;
import io.killkrill.receivers.ReceiverMetrics;
import io.killkrill.receivers.enqueue.IdempotencyStore;
import io.killkrill.receivers.enqueue.NotReplicatedException;
import io.killkrill.receivers.enqueue.RedisUnavailableException;
import io.killkrill.receivers.enqueue.StreamWriter;
import io.killkrill.receivers.enqueue.WriteInDoubtException;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CompletionException;

/**
 * The ingest stage: validates each item by the contract ({@code LogEventCodec} / {@code MetricSampleCodec}),
 * hands the valid ones to the {@link StreamWriter} in one write per request (with the request's Idempotency-Key and
 * its 202 answer, when it claimed one) and answers from the write's outcome: 202 only once Redis confirmed them,
 * 503 (Redis unavailable or refusing writes) or 500 (an error reply) with nothing stored, 400 when no item was
 * valid, 200 when the body held only {@link IngestItem.Dropped} items (nothing to store, nothing to retry); no
 * answer at all when the receivers stop while Redis cannot tell whether it stored them. Last in the pipeline, it
 * also answers for any stage that failed unexpectedly (500), so no request goes unanswered.
 */
final class IngestStage extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(IngestStage.class);

    /**
     * How long a request waits for its write's outcome. Past it, the write is in doubt (Redis failed while it was
     * sent and has not answered since): the connection is closed unanswered rather than kept open for as long as
     * the outage lasts.
     */
    static final Duration OUTCOME_PATIENCE = Duration.ofSeconds(10);

    private final StreamWriter writer;
    private final Duration idempotencyTtl;
    private final ReceiverMetrics metrics;

    IngestStage(StreamWriter writer, Duration idempotencyTtl, ReceiverMetrics metrics) {
        this.writer = writer;
        this.idempotencyTtl = idempotencyTtl;
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof BodyDecoderStage.DecodedBody decoded) {
            ingest(ctx, decoded.exchange(), decoded.items());
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private void ingest(ChannelHandlerContext ctx, HttpExchange exchange, List<IngestItem> items) {
        String kind = exchange.route().kind();
        String stream = exchange.admitted().stream();
        metrics.received("http", kind, items.size());
        Source source = Source.http(Peers.of(ctx.channel().remoteAddress()));
        List<StreamWriter.Entry> entries = new ArrayList<>(items.size());
        List<IngestAnswers.Verdict> verdicts = new ArrayList<>(items.size());
        int rejected = 0;
        int[] dropped = new int[IngestItem.DropReason.values().length];
        for (IngestItem item : items) {
            if (item instanceof IngestItem.Dropped drop) {
                dropped[drop.reason().ordinal()]++;
                verdicts.add(IngestAnswers.Verdict.dropped());
                continue;
            }
            IngestAnswers.Verdict verdict = item instanceof IngestItem.Parsed parsed
                    ? validate(parsed, exchange.route(), stream, source, entries)
                    : IngestAnswers.Verdict.refused(((IngestItem.Unreadable) item).errors());
            verdicts.add(verdict);
            if (verdict.eventId().isEmpty()) {
                rejected++;
            }
        }
        metrics.rejected("http", kind, "invalid_item", rejected);
        for (IngestItem.DropReason reason : IngestItem.DropReason.values()) {
            metrics.rejected("http", kind, reason.tag(), dropped[reason.ordinal()]);
        }
        int accepted = entries.size();
        IngestAnswers.Verdicts results = new IngestAnswers.Verdicts(items, verdicts, exchange.startNanos());
        IngestAnswers answers = IngestAnswers.of(exchange);
        if (accepted == 0 && rejected == 0) {
            // only what the protocol sends without a value (stale markers, metadata): done, nothing to retry
            exchange.answer(answers.nothingToStore(results));
            return;
        }
        if (accepted == 0) {
            exchange.answer(answers.noneValid(results));
            return;
        }
        Answer stored = answers.stored(results);
        Optional<StreamWriter.Idempotency> idempotency = exchange.claim().map(claim ->
                claim.idempotency(stored.status().code(), answers.storedText(stored), idempotencyTtl));
        CompletableFuture<StreamWriter.Outcome> written = writer.write(entries, StreamWriter.Delivery.FAIL_FAST,
                idempotency);
        written.whenComplete((outcome, failure) -> ctx.executor().execute(() -> answer(exchange, stored, outcome,
                accepted, answers, results, failure)));
        ctx.executor().schedule(() -> {
            if (!written.isDone() && !exchange.answered() && !exchange.abandoned()) {
                // in doubt while Redis is down: no answer would be true; the client's retry settles it
                LOG.warn("stage=enqueue the write of a request is unconfirmed after {} s (Redis failed during it): "
                        + "closing the connection without an answer", OUTCOME_PATIENCE.toSeconds());
                metrics.rejected("http", kind, "write_in_doubt", accepted);
                Runnable release = exchange.detachRelease();
                written.whenComplete((outcome, failure) -> {
                    if (failure != null) {
                        release.run(); // Redis told in the end: not stored, so a retry may claim the key at once
                    }
                });
                exchange.abandonUnanswered();
            }
        }, OUTCOME_PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void answer(HttpExchange exchange, Answer stored, StreamWriter.Outcome outcome, int accepted,
                        IngestAnswers answers, IngestAnswers.Verdicts results, Throwable failure) {
        String kind = exchange.route().kind();
        if (failure == null) {
            if (outcome instanceof StreamWriter.Outcome.Replayed replayed) {
                // another request with the key stored first (its claim had lapsed): its answer, nothing stored
                exchange.keyKept();
                IdempotencyStore.parse(replayed.storedAnswer()).map(IdempotencyStore.Claim.Answered.class::cast)
                        .ifPresent(a -> exchange.answer(answers.replay(a.status(), a.body())));
                return;
            }
            if (outcome instanceof StreamWriter.Outcome.KeyInFlight) {
                exchange.refuse(metrics, HttpResponseStatus.CONFLICT, "idempotency_key_in_flight",
                        "a request with this Idempotency-Key is still being handled; nothing was accepted, retry "
                                + "later");
                return;
            }
            metrics.accepted("http", kind, accepted);
            exchange.keyKept();
            exchange.answer(stored);
            return;
        }
        if (cause(failure) instanceof WriteInDoubtException) {
            // the receivers stop and Redis could not tell whether the items were stored: no answer claims either
            exchange.keyKept();
            exchange.abandonUnanswered();
            return;
        }
        Throwable cause = cause(failure);
        if (cause instanceof RedisUnavailableException unavailable) {
            metrics.rejected("http", kind, unavailable instanceof NotReplicatedException ? "not_replicated"
                    : "redis_unavailable", accepted);
            exchange.answer(answers.failed(HttpResponseStatus.SERVICE_UNAVAILABLE, results,
                    unavailable.answerText()));
        } else {
            LOG.error("stage=enqueue Redis refused the entries of a request: {}", cause.toString());
            metrics.rejected("http", kind, "redis_error", accepted);
            exchange.answer(answers.failed(HttpResponseStatus.INTERNAL_SERVER_ERROR, results,
                    "Redis refused the write: " + cause.getMessage()));
        }
    }

    private static Throwable cause(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    private static IngestAnswers.Verdict validate(IngestItem.Parsed item, Route route, String stream, Source source,
                                                  List<StreamWriter.Entry> entries) {
        IngestContext context = IngestContext.now(source);
        if (route.kind().equals("logs")) {
            Validated<LogEvent> event = LogEventCodec.fromInput(item.node(), context);
            if (event instanceof Validated.Valid<LogEvent> v) {
                entries.add(new StreamWriter.Entry(stream, LogEventCodec.toEntry(v.value())));
                return IngestAnswers.Verdict.stored(v.value().eventId());
            }
            return IngestAnswers.Verdict.refused(((Validated.Invalid<LogEvent>) event).errors());
        }
        Validated<MetricSample> sample = MetricSampleCodec.fromInput(item.node(), context);
        if (sample instanceof Validated.Valid<MetricSample> v) {
            entries.add(new StreamWriter.Entry(stream, MetricSampleCodec.toEntry(v.value())));
            return IngestAnswers.Verdict.stored(v.value().eventId());
        }
        return IngestAnswers.Verdict.refused(((Validated.Invalid<MetricSample>) sample).errors());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        HttpExchange exchange = HttpExchange.current(ctx.channel());
        LOG.warn("stage=http a request from {} failed unexpectedly: {}", Peers.of(ctx.channel().remoteAddress()),
                cause.toString(), cause);
        if (exchange != null && !exchange.answered() && !exchange.abandoned()) {
            exchange.refuseAndClose(metrics, HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal_error",
                    "the request could not be handled: " + cause);
        } else {
            ctx.close();
        }
    }
}
