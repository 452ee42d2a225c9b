package io.killkrill.bench;

import redis.clients.jedis.UnifiedJedis;

import java.util.Map;

/**
 * A replicated Redis the {@code sentinel} and {@code cluster} phases run the receivers and a log-worker on
 * (dev-services provisions both, {@link DevServicesRedis}): the services' settings for it, the stream shards they
 * write, a client for the bench's own reads, and its servers for the CPU meter. {@link #close} closes the client and
 * stops the topology when this run started it.
 */
interface RedisTopology extends AutoCloseable {
    /** How the report names it: {@code Sentinel}, {@code Cluster}. */
    String name();

    /** What it is, for the JSON report. */
    String description();

    /** {@code KILLKRILL_STREAM_SHARDS} of the services on it. */
    int shards();

    /** The services' Redis settings for this topology, with {@code replicaAcks} replica acknowledgements. */
    Map<String, String> settings(int replicaAcks);

    /** A client that reads and deletes any of the streams, whichever server holds it now. */
    UnifiedJedis client();

    /** Its Redis servers by role ({@code redis-master}, {@code redis-replica-1}, ...) and port, for the CPU meter. */
    Map<String, Integer> servers();

    @Override
    void close() throws Exception;
}
