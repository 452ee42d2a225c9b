package io.killkrill.metricsworker.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;

/** A tiny HTTP server for health, metrics and queries: exact paths, GET only. */
public final class AdminServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);

    /** One response; handlers never throw for a client's mistake, they answer 400. */
    public record Response(int status, String contentType, String body) {
        public static Response json(int status, String body) {
            return new Response(status, "application/json", body);
        }
    }

    /** Answers a GET with its decoded query parameters. */
    @FunctionalInterface
    public interface Handler {
        Response handle(Map<String, String> query);
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(2);

    public AdminServer(int port, Map<String, Handler> routes) {
        try {
            server = HttpServer.create(new InetSocketAddress(port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on admin port " + port, e);
        }
        Map<String, Handler> exact = new LinkedHashMap<>(routes);
        server.createContext("/", exchange -> {
            try (exchange) {
                Handler handler = exact.get(exchange.getRequestURI().getPath());
                Response response;
                if (handler == null) {
                    response = Response.json(404, "{\"error\":\"no such path\"}");
                } else if (!"GET".equals(exchange.getRequestMethod())) {
                    response = Response.json(405, "{\"error\":\"only GET\"}");
                } else {
                    try {
                        response = handler.handle(QueryString.parse(exchange.getRequestURI().getRawQuery()));
                    } catch (RuntimeException e) {
                        LOG.warn("stage=query {} failed: {}", exchange.getRequestURI().getPath(), e.toString());
                        response = Response.json(500, "{\"error\":\"internal error\"}");
                    }
                }
                send(exchange, response);
            }
        });
        server.setExecutor(executor);
        server.start();
    }

    private static void send(HttpExchange exchange, Response response) throws IOException {
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
