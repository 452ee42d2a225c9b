package io.killkrill.it.support;

import redis.clients.jedis.JedisPooled;

import java.net.URI;
import java.util.UUID;

/** A real Redis for a test, with a client and a way to make keys no other test uses. */
public final class RedisService {
    private final URI uri;
    private final JedisPooled client;

    RedisService(URI uri) {
        this.uri = uri;
        this.client = new JedisPooled(uri);
    }

    public URI uri() {
        return uri;
    }

    public JedisPooled client() {
        return client;
    }

    /** A key prefix unique to one test, so tests can run in any order against the same Redis. */
    public static String uniquePrefix(String testName) {
        return "it:" + testName + ":" + UUID.randomUUID().toString().substring(0, 8) + ":";
    }

    void close() {
        client.close();
    }
}
