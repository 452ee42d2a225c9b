package io.killkrill.receivers.http;

import io.killkrill.receivers.ReceiverMetrics;
import io.killkrill.receivers.enqueue.IdempotencyStore;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.AttributeKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * One request on its way through the stages, from its headers to its one answer. The {@link HttpRouter} makes it
 * from the request head and passes it down the pipeline; each stage either passes it on or answers it. Answering
 * is one call, {@link #answer}, whatever the stage and whether or not the body has arrived: once answered, the
 * router discards the rest of the body, and the {@link RequestSequencer} lets the next request in only when this
 * one is answered and its body is over. Used on the connection's event loop only.
 */
final class HttpExchange {
    private static final Logger LOG = LoggerFactory.getLogger(HttpExchange.class);
    private static final AttributeKey<HttpExchange> CURRENT = AttributeKey.valueOf("killkrill.http.exchange");

    /** What the ingestion stages settled on from the headers (set by {@link RequestAdmission}). */
    record Admitted(BodyDecoder decoder, String stream, ContentEncoding encoding) {
    }

    /** An answer on its way out; {@link ResponseWriter} turns it into the HTTP response. */
    record Outgoing(HttpExchange exchange, Answer answer) {
    }

    private final Channel channel;
    private final HttpRequest request;
    private final Route route;
    private final long startNanos;
    private final MemoryBudget.Reservation reservation;
    private Admitted admitted;
    private Optional<IdempotencyStore.Claim.Claimed> claim = Optional.empty();
    private static final Supplier<CompletionStage<?>> NOTHING_TO_RELEASE =
            () -> CompletableFuture.completedFuture(null);
    private Supplier<CompletionStage<?>> releaseClaim = NOTHING_TO_RELEASE;
    private boolean continued;
    private boolean bodyEnded;
    private boolean answered;
    private boolean closeWhenBodyEnds;
    private boolean abandoned;

    HttpExchange(Channel channel, HttpRequest request, Route route, long startNanos,
                 MemoryBudget.Reservation reservation) {
        this.channel = channel;
        this.request = request;
        this.route = route;
        this.startNanos = startNanos;
        this.reservation = reservation;
        channel.attr(CURRENT).set(this);
    }

    /** The request the connection is on, if any (for a stage that failed and must still answer). */
    static HttpExchange current(Channel channel) {
        return channel.attr(CURRENT).get();
    }

    Route route() {
        return route;
    }

    HttpHeaders headers() {
        return request.headers();
    }

    HttpRequest request() {
        return request;
    }

    long startNanos() {
        return startNanos;
    }

    boolean keepAlive() {
        return HttpUtil.isKeepAlive(request);
    }

    /** The announced body length (0 when neither Content-Length nor chunked: a request without body), or -1 (chunked). */
    long declaredLength() {
        if (HttpUtil.isTransferEncodingChunked(request)) {
            return -1;
        }
        return HttpUtil.getContentLength(request, 0L);
    }

    boolean expectsContinue() {
        return HttpUtil.is100ContinueExpected(request);
    }

    MemoryBudget.Reservation reservation() {
        return reservation;
    }

    /**
     * The request holds an Idempotency-Key ({@link IdempotencyStage}); {@code release} gives it up, and runs when
     * the request is answered without its items stored (any answer but the ingest stage's 202) or abandoned. An
     * answer goes out once the release was tried, so a client that retries on it never finds its own key still
     * held (a 409).
     */
    void claimed(IdempotencyStore.Claim.Claimed claimed, Supplier<CompletionStage<?>> release) {
        this.claim = Optional.of(claimed);
        this.releaseClaim = release;
    }

    Optional<IdempotencyStore.Claim.Claimed> claim() {
        return claim;
    }

    /** The request's items and answer are stored under its key: nothing to release any more. */
    void keyKept() {
        releaseClaim = NOTHING_TO_RELEASE;
    }

    /**
     * Takes the claim's release out of the answer's hands, for a caller that learns later whether the items were
     * stored (a write in doubt): it runs it then, if they were not.
     */
    Runnable detachRelease() {
        Supplier<CompletionStage<?>> release = releaseClaim;
        releaseClaim = NOTHING_TO_RELEASE;
        return release::get;
    }

    void admit(Admitted admitted) {
        this.admitted = admitted;
    }

    Admitted admitted() {
        if (admitted == null) {
            throw new IllegalStateException("the exchange reached a body stage without passing admission");
        }
        return admitted;
    }

    /** The client was told to send the body (100 Continue). */
    void continued() {
        continued = true;
    }

    /**
     * Whether the rest of an unread body may be read and thrown away to keep the connection: only a body of known
     * length up to {@code limit} that the client is going to send (no {@code Expect: 100-continue} still waiting
     * for its 100, which the client may never follow with the body).
     */
    boolean restDiscardable(long limit) {
        long declared = declaredLength();
        return (continued || !expectsContinue()) && declared >= 0 && declared <= limit;
    }

    void bodyEnded() {
        bodyEnded = true;
    }

    boolean hasBodyEnded() {
        return bodyEnded;
    }

    boolean answered() {
        return answered;
    }

    /** The answer went out with {@code Connection: close} while the body was still coming. */
    void closeWhenBodyEnds() {
        closeWhenBodyEnds = true;
    }

    boolean closesWhenBodyEnds() {
        return closeWhenBodyEnds;
    }

    /** Answers this request: exactly once; a second answer is a bug, logged and dropped. */
    void answer(Answer answer) {
        if (abandoned) {
            return; // the connection is gone; a late answer (a write that completed) has nobody to go to
        }
        if (answered) {
            LOG.error("stage=respond a second answer ({}) to one {} request was dropped", answer.status(),
                    route.tag());
            return;
        }
        answered = true;
        reservation.release();
        CompletionStage<?> released = releaseClaim.get();
        releaseClaim = NOTHING_TO_RELEASE;
        if (released.toCompletableFuture().isDone()) {
            channel.writeAndFlush(new Outgoing(this, answer));
        } else {
            released.whenComplete((ignored, failure) -> channel.eventLoop().execute(() ->
                    channel.writeAndFlush(new Outgoing(this, answer))));
        }
    }

    /** Answers a request refused as a whole and counts the refusal by reason. */
    void refuse(ReceiverMetrics metrics, HttpResponseStatus status, String reason, String message) {
        metrics.rejected("http", route.kind(), reason, 1);
        answer(refusal(status, message));
    }

    /** A refusal in the words of the route's clients: the native body, Elasticsearch's or OTLP's error body. */
    private Answer refusal(HttpResponseStatus status, String message) {
        return IngestAnswers.of(this).refusal(status, message);
    }

    /** Like {@link #refuse}, and the connection closes after the answer. */
    void refuseAndClose(ReceiverMetrics metrics, HttpResponseStatus status, String reason, String message) {
        metrics.rejected("http", route.kind(), reason, 1);
        answer(refusal(status, message).closing());
    }

    /** The connection closed: whatever the request held goes back to the budget. */
    void abandon() {
        reservation.release();
        releaseClaim.get();
        releaseClaim = NOTHING_TO_RELEASE;
        abandoned = true;
    }

    /**
     * Closes the connection without an answer: the outcome of the request's write is unknown (Redis failed during
     * it and the receivers are stopping), and any answer could be false. The client's retry (with its
     * Idempotency-Key) settles it.
     */
    void abandonUnanswered() {
        abandon();
        channel.close();
    }

    boolean abandoned() {
        return abandoned;
    }
}
