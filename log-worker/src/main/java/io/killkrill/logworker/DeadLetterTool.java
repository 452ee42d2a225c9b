package io.killkrill.logworker;

import io.killkrill.config.CommonSettings;
import io.killkrill.config.Config;
import io.killkrill.config.ConfigLoader;
import io.killkrill.config.StreamNames;
import io.killkrill.model.DeadLetter;
import io.killkrill.model.DeadLetterCodec;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Lists the logs dead-letter stream and replays chosen dead letters onto the logs stream.
 *
 * <pre>
 * java -cp log-worker-all.jar io.killkrill.logworker.DeadLetterTool list [--reason R] [--count N]
 * java -cp log-worker-all.jar io.killkrill.logworker.DeadLetterTool replay &lt;dlq-entry-id&gt;...
 * java -cp log-worker-all.jar io.killkrill.logworker.DeadLetterTool replay --all [--reason R]
 * </pre>
 *
 * Replay XADDs the original entry's fields onto the logs stream and XDELs the dead letter only after that
 * XADD succeeded, so a dead letter is never lost; at worst (a crash between the two) it is replayed twice,
 * and the event ID keeps Elasticsearch from holding it twice. Reads KILLKRILL_REDIS_URL, KILLKRILL_LOGS_STREAM
 * and KILLKRILL_LOGS_DLQ like the worker.
 */
public final class DeadLetterTool {
    static final int EXIT_OK = 0;
    static final int EXIT_USAGE = 64;
    static final int EXIT_NOT_FOUND = 1;
    private static final int PAGE = 500;

    private final JedisPooled redis;
    private final StreamNames streams;
    private final PrintStream out;

    public DeadLetterTool(JedisPooled redis, StreamNames streams, PrintStream out) {
        this.redis = redis;
        this.streams = streams;
        this.out = out;
    }

    public static void main(String[] args) {
        Config config = ConfigLoader.loadOrExit(LogWorkerSettings.DEFINITION, System.getenv());
        int status;
        try (JedisPooled redis = new JedisPooled(config.get(CommonSettings.REDIS_URL))) {
            status = new DeadLetterTool(redis, CommonSettings.streamNames(config), System.out).run(args);
        }
        System.exit(status);
    }

    public int run(String... args) {
        if (args.length == 0) {
            return usage();
        }
        Optional<String> reason = Optional.empty();
        int count = 100;
        boolean all = false;
        List<String> ids = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--reason" -> {
                    if (++i >= args.length) {
                        return usage();
                    }
                    reason = Optional.of(args[i]);
                }
                case "--count" -> {
                    if (++i >= args.length) {
                        return usage();
                    }
                    count = Integer.parseInt(args[i]);
                }
                case "--all" -> all = true;
                default -> ids.add(args[i]);
            }
        }
        return switch (args[0]) {
            case "list" -> list(reason, count);
            case "replay" -> all ? replay(ids(reason)) : ids.isEmpty() ? usage() : replay(ids);
            default -> usage();
        };
    }

    private int list(Optional<String> reason, int count) {
        List<StreamEntry> entries = entries(reason, count);
        for (StreamEntry entry : entries) {
            DeadLetter letter = DeadLetterCodec.fromEntry(entry.getFields());
            out.println(entry.getID() + " reason=" + letter.reason().code() + " stage=" + letter.stage().wireName()
                    + " stream=" + letter.stream().orElse("-") + " entry_id=" + letter.entryId().orElse("-")
                    + " attempts=" + letter.attempts() + " failed_at=" + letter.failedAt()
                    + (letter.details().isEmpty() ? "" : " details=" + letter.details())
                    + " message=" + letter.message());
        }
        out.println(entries.size() + " dead letter(s) in " + streams.logsDlq()
                + reason.map(r -> " with reason " + r).orElse(""));
        return EXIT_OK;
    }

    private List<String> ids(Optional<String> reason) {
        return entries(reason, Integer.MAX_VALUE).stream().map(e -> e.getID().toString()).toList();
    }

    private List<StreamEntry> entries(Optional<String> reason, int count) {
        List<StreamEntry> selected = new ArrayList<>();
        String from = "-";
        while (selected.size() < count) {
            List<StreamEntry> page = redis.xrange(streams.logsDlq(), from, "+", PAGE);
            for (StreamEntry entry : page) {
                if (reason.isEmpty() || reason.get().equals(entry.getFields().get(DeadLetterCodec.REASON))) {
                    selected.add(entry);
                    if (selected.size() >= count) {
                        break;
                    }
                }
            }
            if (page.size() < PAGE) {
                break;
            }
            from = "(" + page.get(page.size() - 1).getID();
        }
        return selected;
    }

    private int replay(List<String> ids) {
        int missing = 0;
        for (String id : ids) {
            List<StreamEntry> found = redis.xrange(streams.logsDlq(), id, id, 1);
            if (found.isEmpty()) {
                out.println(id + " not found in " + streams.logsDlq());
                missing++;
                continue;
            }
            DeadLetter letter = DeadLetterCodec.fromEntry(found.get(0).getFields());
            StreamEntryID replayed = redis.xadd(streams.logs(), StreamEntryID.NEW_ENTRY, letter.original());
            redis.xdel(streams.logsDlq(), new StreamEntryID(id));
            out.println(id + " replayed onto " + streams.logs() + " as " + replayed);
        }
        out.println((ids.size() - missing) + " dead letter(s) replayed");
        return missing == 0 ? EXIT_OK : EXIT_NOT_FOUND;
    }

    private int usage() {
        out.println("usage: DeadLetterTool list [--reason R] [--count N]");
        out.println("       DeadLetterTool replay <dlq-entry-id>... | --all [--reason R]");
        return EXIT_USAGE;
    }
}
