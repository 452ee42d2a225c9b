package io.killkrill.it.support;


import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL 15 this test owns and may stop and start: initdb + pg_ctl as user {@code killkrill} (postgres
 * refuses root) in a directory under /var/tmp, on a free port; removed on close.
 */
public final class OwnPostgres implements AutoCloseable {
    private static final String BIN = "/usr/lib/postgresql/15/bin/";
    private final String dataDir;
    private final int port;

    private OwnPostgres(String dataDir, int port) {
        this.dataDir = dataDir;
        this.port = port;
    }

    public static OwnPostgres create() throws IOException, InterruptedException {
        String dir = "/var/tmp/killkrill-it-pg-" + UUID.randomUUID().toString().substring(0, 8);
        int port;
        port = FreePorts.next();
        run("mkdir", "-p", dir);
        // --no-sync: initdb need not fsync the files of a throw-away cluster (the server itself still fsyncs
        // its commits); 0.3-1.1 s less per cluster on the CI machine
        run(BIN + "initdb", "--no-sync", "-D", dir + "/data", "-U", "killkrill", "--auth=trust", "-E", "UTF8");
        OwnPostgres postgres = new OwnPostgres(dir, port);
        postgres.start();
        return postgres;
    }

    public PostgresService service() {
        return new PostgresService("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "killkrill", "killkrill");
    }

    public void start() throws IOException, InterruptedException {
        run(BIN + "pg_ctl", "-D", dataDir + "/data", "-l", dataDir + "/log", "-w", "-t", "60",
                "-o", "-p " + port + " -k " + dataDir + " -c listen_addresses=127.0.0.1", "start");
    }

    /** Fast shutdown: open connections are cut, as in a crash of the network path. */
    public void stop() throws IOException, InterruptedException {
        run(BIN + "pg_ctl", "-D", dataDir + "/data", "-m", "fast", "-w", "-t", "60", "stop");
    }

    private static void run(String... command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(List.of("runuser", "-u", "killkrill", "--"));
        full.addAll(List.of(command));
        Process process = new ProcessBuilder(full).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(90, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        try {
            stop();
        } catch (IllegalStateException e) {
            // already stopped
        }
        run("rm", "-rf", dataDir);
    }
}
