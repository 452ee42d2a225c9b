package io.killkrill.service;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.killkrill.model.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The workers' admin HTTP server: the {@link AdminEndpoints} plus a service's own routes (exact paths, GET only).
 * A route's handler answers a client's mistake with 400 itself; a broken query string is answered 400 here, naming
 * the parameter; only a bug in a handler gives 500.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);

    /** Answers a GET with its decoded query parameters. */
    @FunctionalInterface
    public interface Handler {
        AdminEndpoints.Response handle(Map<String, String> query);
    }

    static {
        // com.sun's server writes the head and the body separately; with Nagle's algorithm on, each answer then
        // waits for the client's delayed ACK: about 40 ms per request on Linux (measured: 10,000 queries took
        // 450 s). Read once, when the server's configuration class loads, so it is set before the first server.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;

    /** Binds {@code port} (0: any free port) and serves at once. */
    public AdminServer(int port, AdminEndpoints endpoints, Map<String, Handler> routes) {
        try {
            server = HttpServer.create(new InetSocketAddress(port), 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on admin port " + port + ": " + e.getMessage(), e);
        }
        Map<String, Handler> exact = new LinkedHashMap<>(routes);
        server.createContext("/", exchange -> {
            try (exchange) {
                send(exchange, answer(exchange, endpoints, exact));
            }
        });
        executor = Executors.newFixedThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "admin-http");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.start();
    }

    private static AdminEndpoints.Response answer(HttpExchange exchange, AdminEndpoints endpoints,
                                                  Map<String, Handler> routes) {
        String path = exchange.getRequestURI().getPath();
        Handler handler = routes.get(path);
        if (!"GET".equals(exchange.getRequestMethod())) {
            return AdminEndpoints.Response.json(405, "{\"error\":\"only GET\"}");
        }
        try {
            Optional<AdminEndpoints.Response> admin = endpoints.answer(path);
            if (admin.isPresent()) {
                return admin.get();
            }
            if (handler == null) {
                return AdminEndpoints.Response.json(404, "{\"error\":\"no such path\"}");
            }
            Map<String, String> query;
            try {
                query = QueryString.parse(exchange.getRequestURI().getRawQuery());
            } catch (IllegalArgumentException e) {
                ObjectNode error = Json.MAPPER.createObjectNode();
                error.put("error", "bad query parameters");
                error.putArray("problems").add(e.getMessage());
                return AdminEndpoints.Response.json(400, Json.write(error));
            }
            return handler.handle(query);
        } catch (RuntimeException e) {
            LOG.warn("stage=admin {} failed: {}", path, e.toString());
            return AdminEndpoints.Response.json(500, "{\"error\":\"internal error\"}");
        }
    }

    private static void send(HttpExchange exchange, AdminEndpoints.Response response) throws IOException {
        byte[] body = response.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", response.contentType());
        exchange.sendResponseHeaders(response.status(), body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
