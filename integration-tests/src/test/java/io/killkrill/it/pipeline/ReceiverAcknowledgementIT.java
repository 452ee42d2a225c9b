package io.killkrill.it.pipeline;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The receivers' promise "202 means stored", checked on the receivers process: a 202 is sent only once Redis
 * has confirmed the XADDs.
 */
class ReceiverAcknowledgementIT extends PipelineScenario {

    @Override
    protected void startServices() {
        receivers = pipeline.receivers(Map.of());
        receivers.start().awaitReady();
    }

    /**
     * Redis refuses the XADDs (the metrics stream key holds a string: WRONGTYPE) while it answers PING, so the
     * receivers are ready and the request reaches the write. Proof: the answer is 500 with nothing accepted;
     * once the key is a stream again the same body gets 202 and the stream holds exactly the accepted items.
     */
    @Test
    void anAnswerIs202OnlyWhenRedisStoredTheItems() {
        String run = run("ack");
        jedis().set(streams.metrics(), "not a stream");

        Answer refused = postMetrics(metricLines(run, 0, 5));

        assertThat(refused.status()).as(refused.body().toString()).isEqualTo(500);
        assertThat(refused.accepted()).isZero();
        jedis().del(streams.metrics());
        Answer stored = postMetrics(metricLines(run, 0, 5));
        assertThat(stored.status()).isEqualTo(202);
        assertThat(stored.accepted()).isEqualTo(5);
        assertThat(jedis().xlen(streams.metrics())).isEqualTo(5);
    }
}
