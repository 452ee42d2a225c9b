package io.killkrill.it.pipeline;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 17 item 2's acceptance: {@link SentinelFailoverScenario} with {@code KILLKRILL_REDIS_MIN_REPLICA_ACKS=1} on
 * the receivers. Each write ends with {@code WAIT 1}, so a request is answered 202 only once a replica holds its
 * items; Sentinel promotes the replica with the most data, which holds everything any replica acknowledged. So no
 * acknowledged item may be lost: every one of the 2,000 log events (20,000 with {@code -Dkillkrill.sentinel.full})
 * is indexed and every one of the 1,000 (5,000) samples stored, each exactly once (terms aggregation over the
 * messages; each request's series holds exactly its 25 samples, value sum 25), although the replicas were
 * stopped before the kill: the writes they did not acknowledge, and those while the surviving replica
 * resynchronised with the promoted master, were answered 503 and retried with their Idempotency-Key.
 */
class RedisReplicaAcksFailoverIT extends SentinelFailoverScenario {

    @Override
    protected boolean replicaAcks() {
        return true;
    }

    @Test
    void theMasterKilledMidRunLosesNoItemAReplicaAcknowledgedAndStoresEachOnce() throws Exception {
        Loss loss = killTheMasterMidRun("replica_acks");
        assertThat(loss.lostLogs()).as("acknowledged log events lost").isZero();
        assertThat(loss.lostSamples()).as("acknowledged samples lost").isZero();
        assertThat(loss.acknowledgedUnreplicated()).as("requests acknowledged while no replica took writes").isZero();
    }
}
