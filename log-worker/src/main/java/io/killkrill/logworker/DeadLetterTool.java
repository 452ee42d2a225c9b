package io.killkrill.logworker;

import io.killkrill.config.CommonSettings;
import io.killkrill.config.Config;
import io.killkrill.config.ConfigLoader;
import io.killkrill.config.SettingType;
import io.killkrill.config.StreamNames;
import io.killkrill.model.DeadLetter;
import io.killkrill.model.DeadLetterCodec;
import io.killkrill.model.Rfc3339;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.resps.StreamEntry;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * The logs dead-letter tool ({@code ./killkrill dlq ...}, or {@code java -cp log-worker-all.jar
 * io.killkrill.logworker.DeadLetterTool ...}): {@code list}, {@code show}, {@code replay} and {@code purge} dead
 * letters of {@code KILLKRILL_LOGS_DLQ}, chosen by ID or by {@code --all} narrowed by {@code --reason},
 * {@code --since} and {@code --count}; {@code --dry-run} changes nothing; {@code --rate} paces a replay. Reads the
 * same settings as the log-worker.
 *
 * <p>Replay moves one dead letter at a time with one Lua script: if the dead letter is still there, XADD its
 * original fields (event ID included) onto the logs stream, then XDEL it. Redis runs a script atomically, so a
 * replay killed at any moment (SIGKILL) has moved each letter entirely or not at all, and a re-run replays the
 * rest: nothing lost, nothing twice. A dead letter of input that never became a stream entry (a syslog message the
 * receivers could not parse, kept as {@code raw_base64}) is refused with its reason: this worker has no parser for
 * it, and putting the raw bytes on the stream would only dead-letter them again.
 *
 * <p>Exit status: 0; 1 when a chosen letter was not found or was refused, or Redis failed; 2 on a usage error (one
 * line naming the option, never a stack trace).
 */
@Command(name = "dlq", mixinStandardHelpOptions = true, version = "killkrill dlq",
        description = "List, show, replay and purge the logs dead letters.",
        subcommands = {DeadLetterTool.ListCommand.class, DeadLetterTool.ShowCommand.class,
                DeadLetterTool.ReplayCommand.class, DeadLetterTool.PurgeCommand.class})
public final class DeadLetterTool implements Callable<Integer> {
    static final int EXIT_OK = 0;
    static final int EXIT_NOT_FOUND = 1;
    static final int EXIT_USAGE = CommandLine.ExitCode.USAGE;
    private static final int PAGE = 500;
    /** Moves one dead letter: KEYS logs stream, dlq; ARGV dead-letter ID, then the original's field/value pairs. */
    private static final String MOVE = "if #redis.call('XRANGE', KEYS[2], ARGV[1], ARGV[1]) == 0 then return false end\n"
            + "local fields = {}\n"
            + "for i = 2, #ARGV do fields[#fields + 1] = ARGV[i] end\n"
            + "local id = redis.call('XADD', KEYS[1], '*', unpack(fields))\n"
            + "redis.call('XDEL', KEYS[2], ARGV[1])\n"
            + "return id";

    private final JedisPooled redis;
    private final StreamNames streams;
    private final PrintStream out;
    private final PrintStream err;
    private final Clock clock;

    public DeadLetterTool(JedisPooled redis, StreamNames streams, PrintStream out) {
        this(redis, streams, out, out, Clock.systemUTC());
    }

    DeadLetterTool(JedisPooled redis, StreamNames streams, PrintStream out, PrintStream err, Clock clock) {
        this.redis = redis;
        this.streams = streams;
        this.out = out;
        this.err = err;
        this.clock = clock;
    }

    public static void main(String[] args) {
        Config config = ConfigLoader.loadOrExit(LogWorkerSettings.DEFINITION, System.getenv());
        int status;
        try (JedisPooled redis = new JedisPooled(config.get(CommonSettings.REDIS_URL))) {
            status = new DeadLetterTool(redis, CommonSettings.streamNames(config), System.out, System.err,
                    Clock.systemUTC()).run(args);
        }
        System.exit(status);
    }

    /** Runs one command line; returns the exit status. */
    public int run(String... args) {
        CommandLine line = new CommandLine(this, new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> type) throws Exception {
                if (Selection.class.isAssignableFrom(type) || type == ShowCommand.class) {
                    return type.getDeclaredConstructor(DeadLetterTool.class).newInstance(DeadLetterTool.this);
                }
                return CommandLine.defaultFactory().create(type);
            }
        });
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        line.setParameterExceptionHandler((e, arguments) -> {
            err.println("dlq: " + e.getMessage().replace('\n', ' ').trim() + " (see ./killkrill dlq --help)");
            return EXIT_USAGE;
        });
        line.setExecutionExceptionHandler((e, cmd, parsed) -> {
            err.println("dlq: " + cmd.getCommandName() + " failed: " + e);
            return EXIT_NOT_FOUND;
        });
        return line.execute(args);
    }

    @Override
    public Integer call() {
        err.println("dlq: a command is required: list, show, replay or purge (see ./killkrill dlq --help)");
        return EXIT_USAGE;
    }

    /** {@code --since}: an RFC 3339 instant, or a duration back from now ({@code 1h}, {@code 30m}, {@code 7d}). */
    static final class SinceConverter implements CommandLine.ITypeConverter<Instant> {
        private static final SettingType<Duration> AGO = SettingType.duration(Duration.ZERO, Duration.ofDays(3650));

        @Override
        public Instant convert(String value) {
            try {
                return Rfc3339.parse(value).toInstant();
            } catch (RuntimeException notAnInstant) {
                try {
                    return Instant.now().minus(AGO.parse(value));
                } catch (RuntimeException notADuration) {
                    throw new CommandLine.TypeConversionException("'" + value
                            + "' is neither an RFC 3339 time nor a duration such as 1h or 7d");
                }
            }
        }
    }

    /** The dead letters a command works on: IDs, or {@code --all} narrowed by reason, age and count. */
    abstract class Selection {
        @Parameters(paramLabel = "ID", description = "dead-letter entry IDs (as `list` prints them)")
        List<String> ids = new ArrayList<>();
        @Option(names = "--all", description = "every dead letter (narrowed by --reason, --since, --count)")
        boolean all;
        @Option(names = "--reason", paramLabel = "REASON", description = "only this reason, e.g. index_rejected")
        Optional<String> reason = Optional.empty();
        @Option(names = "--since", paramLabel = "TIME", converter = SinceConverter.class,
                description = "only letters that failed at or after TIME (RFC 3339, or 1h, 7d back from now)")
        Optional<Instant> since = Optional.empty();
        @Option(names = "--count", paramLabel = "N", description = "at most N letters")
        Optional<Integer> count = Optional.empty();
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        /** The chosen letters in stream order; an ID not found is reported and counted in {@code missing}. */
        List<StreamEntry> chosen(boolean defaultAll, int[] missing) {
            if (count.isPresent() && count.get() < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--count must be at least 1, got " + count.get());
            }
            if (!ids.isEmpty() && (all || reason.isPresent() || since.isPresent())) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "give dead-letter IDs or --all [--reason] [--since], not both");
            }
            if (ids.isEmpty() && !all && !defaultAll) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "give dead-letter IDs or --all (narrowed by --reason, --since, --count)");
            }
            if (!ids.isEmpty()) {
                List<StreamEntry> found = new ArrayList<>();
                for (String id : ids) {
                    List<StreamEntry> entry = redis.xrange(streams.logsDlq(), id, id, 1);
                    if (entry.isEmpty()) {
                        out.println(id + " not found in " + streams.logsDlq());
                        missing[0]++;
                    } else {
                        found.add(entry.get(0));
                    }
                }
                return found;
            }
            return scan(count.orElse(defaultAll && !all ? 100 : Integer.MAX_VALUE));
        }

        private List<StreamEntry> scan(int limit) {
            List<StreamEntry> selected = new ArrayList<>();
            String from = "-";
            while (selected.size() < limit) {
                List<StreamEntry> page = redis.xrange(streams.logsDlq(), from, "+", PAGE);
                for (StreamEntry entry : page) {
                    if (selects(entry.getFields())) {
                        selected.add(entry);
                        if (selected.size() >= limit) {
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

        private boolean selects(Map<String, String> fields) {
            if (reason.isPresent() && !reason.get().equals(fields.get(DeadLetterCodec.REASON))) {
                return false;
            }
            if (since.isPresent()) {
                try {
                    return !DeadLetterCodec.fromEntry(fields).failedAt().isBefore(since.get());
                } catch (RuntimeException unreadable) {
                    return false;
                }
            }
            return true;
        }

        String scope() {
            return reason.map(r -> " with reason " + r).orElse("") + since.map(s -> " since " + s).orElse("");
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "One line per dead letter (default: the first 100).")
    final class ListCommand extends Selection implements Callable<Integer> {
        @Override
        public Integer call() {
            int[] missing = {0};
            List<StreamEntry> entries = chosen(true, missing);
            for (StreamEntry entry : entries) {
                DeadLetter letter = DeadLetterCodec.fromEntry(entry.getFields());
                out.println(entry.getID() + " reason=" + letter.reason().code() + " stage="
                        + letter.stage().wireName() + " stream=" + letter.stream().orElse("-") + " entry_id="
                        + letter.entryId().orElse("-") + " attempts=" + letter.attempts() + " failed_at="
                        + letter.failedAt() + (letter.details().isEmpty() ? "" : " details=" + letter.details())
                        + " message=" + letter.message());
            }
            out.println(entries.size() + " dead letter(s) in " + streams.logsDlq() + scope());
            return missing[0] == 0 ? EXIT_OK : EXIT_NOT_FOUND;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Every field of the given dead letters, the original entry's included.")
    final class ShowCommand implements Callable<Integer> {
        @Parameters(paramLabel = "ID", arity = "1..*", description = "dead-letter entry IDs")
        List<String> ids = new ArrayList<>();

        @Override
        public Integer call() {
            int missing = 0;
            for (String id : ids) {
                List<StreamEntry> entry = redis.xrange(streams.logsDlq(), id, id, 1);
                if (entry.isEmpty()) {
                    out.println(id + " not found in " + streams.logsDlq());
                    missing++;
                    continue;
                }
                DeadLetter letter = DeadLetterCodec.fromEntry(entry.get(0).getFields());
                out.println(id);
                out.println("  reason: " + letter.reason().code() + " (" + letter.reason().description() + ")");
                out.println("  stage: " + letter.stage().wireName() + ", service: " + letter.service()
                        + ", attempts: " + letter.attempts() + ", failed_at: " + letter.failedAt());
                out.println("  stream: " + letter.stream().orElse("-") + ", entry_id: " + letter.entryId().orElse("-"));
                out.println("  message: " + letter.message());
                letter.details().forEach((k, v) -> out.println("  details." + k + ": " + v));
                letter.original().forEach((k, v) -> out.println("  original." + k + ": " + v));
                out.println("  replayable: " + refusal(letter).map(r -> "no, " + r).orElse("yes"));
            }
            return missing == 0 ? EXIT_OK : EXIT_NOT_FOUND;
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
            description = "Put dead letters back on the logs stream (same event ID), then delete them, atomically.")
    final class ReplayCommand extends Selection implements Callable<Integer> {
        @Option(names = "--dry-run", description = "say what would be replayed, change nothing")
        boolean dryRun;
        @Option(names = "--rate", paramLabel = "PER_SECOND", description = "replay at most this many letters per second")
        Optional<Double> rate = Optional.empty();

        @Override
        public Integer call() throws InterruptedException {
            if (rate.isPresent() && !(rate.get() > 0 && Double.isFinite(rate.get()))) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--rate must be a positive number of letters per second, got " + rate.get());
            }
            int[] missing = {0};
            List<StreamEntry> chosen = chosen(false, missing);
            int replayed = 0;
            int refused = 0;
            int gone = 0;
            long started = System.nanoTime();
            for (StreamEntry entry : chosen) {
                DeadLetter letter = DeadLetterCodec.fromEntry(entry.getFields());
                Optional<String> refusal = refusal(letter);
                if (refusal.isPresent()) {
                    out.println(entry.getID() + " refused: " + refusal.get());
                    refused++;
                    continue;
                }
                if (dryRun) {
                    out.println(entry.getID() + " would be replayed onto " + streams.logs());
                    replayed++;
                    continue;
                }
                if (rate.isPresent()) {
                    long due = started + (long) (replayed / rate.get() * 1e9);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000)); // pacing, not a wait for a condition
                    }
                }
                List<String> args = new ArrayList<>();
                args.add(entry.getID().toString());
                letter.original().forEach((k, v) -> {
                    args.add(k);
                    args.add(v);
                });
                Object id = redis.eval(MOVE, List.of(streams.logs(), streams.logsDlq()), args);
                if (id == null) {
                    out.println(entry.getID() + " was already replayed or purged");
                    gone++;
                } else {
                    out.println(entry.getID() + " replayed onto " + streams.logs() + " as " + id);
                    replayed++;
                }
            }
            out.println(replayed + " dead letter(s) " + (dryRun ? "would be " : "") + "replayed, " + refused
                    + " refused, " + (missing[0] + gone) + " not found");
            return missing[0] + refused + gone == 0 ? EXIT_OK : EXIT_NOT_FOUND;
        }
    }

    @Command(name = "purge", mixinStandardHelpOptions = true, description = "Delete dead letters for good.")
    final class PurgeCommand extends Selection implements Callable<Integer> {
        @Option(names = "--dry-run", description = "say what would be deleted, change nothing")
        boolean dryRun;

        @Override
        public Integer call() {
            int[] missing = {0};
            List<StreamEntry> chosen = chosen(false, missing);
            long deleted = 0;
            for (StreamEntry entry : chosen) {
                if (dryRun) {
                    out.println(entry.getID() + " would be deleted");
                    deleted++;
                } else {
                    deleted += redis.xdel(streams.logsDlq(), entry.getID());
                }
            }
            out.println(deleted + " dead letter(s) " + (dryRun ? "would be " : "") + "deleted from "
                    + streams.logsDlq() + scope());
            return missing[0] == 0 ? EXIT_OK : EXIT_NOT_FOUND;
        }
    }

    /**
     * Why a dead letter cannot be replayed: it never was a stream entry (the receivers kept the raw bytes of a
     * message they could not parse); the log-worker has no parser for raw input, and the bytes on the stream would
     * be dead-lettered again (no schema_version).
     */
    static Optional<String> refusal(DeadLetter letter) {
        if (letter.stream().isPresent() && !letter.original().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("reason " + letter.reason().code() + " (stage " + letter.stage().wireName()
                + "): the letter holds raw input that never became a stream entry"
                + (letter.original().containsKey("raw_base64") ? " (raw_base64)" : "")
                + "; only the receivers can parse it: fix the sender and send it again ('show' prints the bytes)");
    }
}
