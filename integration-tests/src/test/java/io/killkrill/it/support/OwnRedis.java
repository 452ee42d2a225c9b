package io.killkrill.it.support;

import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.JedisPooled;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A redis-server of the test's own, on a free port, that the test may stop and start again (outage tests).
 * With {@code appendonly yes} a graceful stop (SIGTERM) fsyncs the AOF and a restart reloads every stream,
 * consumer group and pending list, as a production Redis with persistence would.
 *
 * <p>Appendonly here is {@code appendfsync always}, so that a SIGKILL never takes a write Redis acknowledged: the
 * tests that kill Redis prove what the services do with what Redis stored. With {@code everysec} (the services'
 * recommended setting) Redis postpones writing its AOF buffer for up to 2 s while a background fsync is slow, and
 * still answers: a kill then loses writes it acknowledged. {@code StreamWriterIT} met that once on a machine whose
 * disk other jobs kept busy (a syslog write told stored and absent after the restart); docs/operations.md says what
 * it means in production.
 */
public final class OwnRedis implements AutoCloseable {
    private final int port;
    private final Path directory;
    private final boolean appendOnly;
    private Process process;
    public final JedisPooled client;

    /** Without persistence: a restart starts empty. */
    public OwnRedis() throws IOException {
        this(false);
    }

    public OwnRedis(boolean appendOnly) throws IOException {
        this.appendOnly = appendOnly;
        port = FreePorts.next();
        directory = Files.createTempDirectory("killkrill-redis-");
        start();
        // connections are tested on borrow: a restart (or kill) of this server leaves the idle ones dead
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setTestOnBorrow(true);
        client = new JedisPooled(pool, "127.0.0.1", port);
    }

    public URI uri() {
        return URI.create("redis://127.0.0.1:" + port);
    }

    public void start() throws IOException {
        process = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", appendOnly ? "yes" : "no", "--appendfsync", "always",
                "--dir", directory.toString())
                .redirectErrorStream(true).redirectOutput(directory.resolve("redis.log").toFile()).start();
        await("own redis-server on port " + port + " answers PING").atMost(Duration.ofSeconds(10))
                .ignoreExceptions().until(() -> {
                    try (var jedis = new redis.clients.jedis.Jedis("127.0.0.1", port)) {
                        return "PONG".equals(jedis.ping());
                    }
                });
    }

    public void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** SIGKILL: no shutdown, no final fsync; with appendonly a restart reloads what was written to the AOF. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        client.close();
        stop();
    }
}
