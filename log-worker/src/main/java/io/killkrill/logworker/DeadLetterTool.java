package io.killkrill.logworker;

import io.killkrill.config.CommonSettings;
import io.killkrill.config.ConfigDef;
import io.killkrill.config.Config;
import io.killkrill.config.ConfigLoader;
import io.killkrill.config.SettingType;
import io.killkrill.config.StreamNames;
import io.killkrill.model.DeadLetter;
import io.killkrill.model.DeadLetterCodec;
import io.killkrill.model.EntryDecoding;
import io.killkrill.model.Rfc3339;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import redis.clients.jedis.UnifiedJedis;
import io.killkrill.stream.RedisClients;
import io.killkrill.stream.RedisFailovers;
import redis.clients.jedis.resps.StreamEntry;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * The dead-letter tool ({@code ./killkrill dlq ...}, or {@code java -cp log-worker-all.jar
 * io.killkrill.logworker.DeadLetterTool ...}): {@code list}, {@code show}, {@code replay} and {@code purge} dead
 * letters, chosen by ID or by {@code --all} narrowed by {@code --reason}, {@code --since} and {@code --count};
 * {@code --dry-run} changes nothing; {@code --rate} paces a replay. {@code --stream logs} (the default) works on
 * {@code KILLKRILL_LOGS_DLQ} and replays onto {@code KILLKRILL_LOGS_STREAM}, {@code --stream metrics} on
 * {@code KILLKRILL_METRICS_DLQ} onto {@code KILLKRILL_METRICS_STREAM}. Reads the same settings as the services.
 *
 * <p>Replay moves one dead letter at a time with one Lua script: if the dead letter is still there, XADD its
 * original fields (event ID included) onto the stream, then XDEL it. Redis runs a script atomically, so a replay
 * killed at any moment (SIGKILL) has moved each letter entirely or not at all, and a re-run replays the rest:
 * nothing lost, nothing twice. Which letters are replayed is decided by the contract, not by a list of reasons
 * ({@link #refusal}): a letter holding a stream entry only if the codec its worker decodes with accepts the entry,
 * a letter of raw input never. A refused letter stays where it is; the summary counts replayed, refused (by
 * reason) and not found.
 *
 * <p>Exit status: 0; 1 when a chosen letter was not found or was refused, or Redis failed; 2 on a usage error (one
 * line naming the option, never a stack trace).
 */
@Command(name = "dlq", mixinStandardHelpOptions = true, version = "killkrill dlq",
        description = "List, show, replay and purge dead letters: the logs ones, or with --stream metrics the"
                + " metrics ones.",
        subcommands = {DeadLetterTool.ListCommand.class, DeadLetterTool.ShowCommand.class,
                DeadLetterTool.ReplayCommand.class, DeadLetterTool.PurgeCommand.class})
public final class DeadLetterTool implements Callable<Integer> {
    static final int EXIT_OK = 0;
    static final int EXIT_NOT_FOUND = 1;
    static final int EXIT_USAGE = CommandLine.ExitCode.USAGE;
    private static final int PAGE = 500;
    private static final String RAW_BASE64 = "raw_base64";
    /** Moves one dead letter: KEYS target stream, dlq; ARGV dead-letter ID, then the original's field/value pairs. */
    private static final String MOVE = "if #redis.call('XRANGE', KEYS[2], ARGV[1], ARGV[1]) == 0 then return false end\n"
            + "local fields = {}\n"
            + "for i = 2, #ARGV do fields[#fields + 1] = ARGV[i] end\n"
            + "local id = redis.call('XADD', KEYS[1], '*', unpack(fields))\n"
            + "redis.call('XDEL', KEYS[2], ARGV[1])\n"
            + "return id";

    private final UnifiedJedis redis;
    private final StreamNames streams;
    private final PrintStream out;
    private final PrintStream err;
    private final Clock clock;

    public DeadLetterTool(UnifiedJedis redis, StreamNames streams, PrintStream out) {
        this(redis, streams, out, out, Clock.systemUTC());
    }

    DeadLetterTool(UnifiedJedis redis, StreamNames streams, PrintStream out, PrintStream err, Clock clock) {
        this.redis = redis;
        this.streams = streams;
        this.out = out;
        this.err = err;
        this.clock = clock;
    }

    public static void main(String[] args) {
        System.exit(run(System.getenv(), System.out, System.err, args));
    }

    /**
     * The tool's whole run, from its settings in {@code environment} to its exit status: {@link #main}'s, and a
     * caller's that runs the tool in its own JVM (the mutation-testing ITs).
     */
    public static int run(Map<String, String> environment, PrintStream out, PrintStream err, String... args) {
        // only what every service reads (Redis, the stream names): a setting of one worker cannot stop the tool
        Optional<Config> config = ConfigLoader.load(ConfigDef.of("dlq", CommonSettings.ALL), environment, err);
        if (config.isEmpty()) {
            return ConfigLoader.EXIT_CONFIG_ERROR;
        }
        StreamNames streams = CommonSettings.streamNames(config.get());
        if (streams.shards() > 1) {
            StreamNames first = streams.shard(0);
            err.println("dlq: " + CommonSettings.STREAM_SHARDS.key() + "=" + streams.shards() + ": the tool works on"
                    + " one shard at a time; name its keys with " + CommonSettings.STREAM_SHARDS.key() + "=1, e.g. "
                    + "KILLKRILL_LOGS_DLQ='" + first.logsDlq() + "' KILLKRILL_LOGS_STREAM='" + first.logs()
                    + "' KILLKRILL_METRICS_DLQ='" + first.metricsDlq() + "' KILLKRILL_METRICS_STREAM='"
                    + first.metrics() + "' for shard 0 (on a Redis Cluster with KILLKRILL_REDIS_URL of the master"
                    + " holding the shard's slot; ./killkrill dlq --shard N does both)");
            return ConfigLoader.EXIT_CONFIG_ERROR;
        }
        try (UnifiedJedis redis = RedisClients.forConsumers(CommonSettings.redisEndpoint(config.get()), 1,
                Duration.ofSeconds(1), RedisFailovers.logged())) {
            return new DeadLetterTool(redis, streams, out, err, Clock.systemUTC()).run(args);
        }
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

    /** {@code --stream}: which dead letters a command works on, and where a replay puts them. */
    static final class StreamOption {
        @Option(names = "--stream", paramLabel = "logs|metrics", converter = DeadLetterStream.Converter.class,
                description = "logs (the default): KILLKRILL_LOGS_DLQ, replayed onto KILLKRILL_LOGS_STREAM;"
                        + " metrics: KILLKRILL_METRICS_DLQ, replayed onto KILLKRILL_METRICS_STREAM")
        DeadLetterStream stream = DeadLetterStream.LOGS;
    }

    /** The letter of {@code dlq} with entry ID {@code id}, or empty (and a line saying so). */
    private Optional<StreamEntry> letter(String dlq, String id) {
        List<StreamEntry> entry = redis.xrange(dlq, id, id, 1);
        if (entry.isEmpty()) {
            out.println(id + " not found in " + dlq);
            return Optional.empty();
        }
        return Optional.of(entry.get(0));
    }

    /** The dead letters a command works on: IDs, or {@code --all} narrowed by reason, age and count. */
    abstract class Selection {
        @CommandLine.Mixin
        StreamOption streamOption = new StreamOption();
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

        DeadLetterStream stream() {
            return streamOption.stream;
        }

        String dlq() {
            return stream().deadLetters(streams);
        }

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
                    letter(dlq(), id).ifPresentOrElse(found::add, () -> missing[0]++);
                }
                return found;
            }
            return scan(count.orElse(defaultAll && !all ? 100 : Integer.MAX_VALUE));
        }

        private List<StreamEntry> scan(int limit) {
            List<StreamEntry> selected = new ArrayList<>();
            String from = "-";
            while (selected.size() < limit) {
                List<StreamEntry> page = redis.xrange(dlq(), from, "+", PAGE);
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
                Optional<DeadLetter> read = readable(entry, dlq());
                if (read.isEmpty()) {
                    continue;
                }
                DeadLetter letter = read.get();
                out.println(entry.getID() + " reason=" + letter.reason().code() + " stage="
                        + letter.stage().wireName() + " stream=" + letter.stream().orElse("-") + " entry_id="
                        + letter.entryId().orElse("-") + " attempts=" + letter.attempts() + " failed_at="
                        + letter.failedAt() + (letter.details().isEmpty() ? "" : " details=" + letter.details())
                        + " message=" + letter.message());
            }
            out.println(entries.size() + " dead letter(s) in " + dlq() + scope());
            return missing[0] == 0 ? EXIT_OK : EXIT_NOT_FOUND;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Every field of the given dead letters, the original entry's included, and whether"
                    + " each can be replayed.")
    final class ShowCommand implements Callable<Integer> {
        @CommandLine.Mixin
        StreamOption streamOption = new StreamOption();
        @Parameters(paramLabel = "ID", arity = "1..*", description = "dead-letter entry IDs")
        List<String> ids = new ArrayList<>();

        @Override
        public Integer call() {
            DeadLetterStream stream = streamOption.stream;
            int missing = 0;
            for (String id : ids) {
                Optional<StreamEntry> entry = letter(stream.deadLetters(streams), id);
                if (entry.isEmpty()) {
                    missing++;
                    continue;
                }
                Optional<DeadLetter> read = readable(entry.get(), stream.deadLetters(streams));
                if (read.isEmpty()) {
                    continue;
                }
                DeadLetter letter = read.get();
                out.println(id);
                out.println("  reason: " + letter.reason().code() + " (" + letter.reason().description() + ")");
                out.println("  stage: " + letter.stage().wireName() + ", service: " + letter.service()
                        + ", attempts: " + letter.attempts() + ", failed_at: " + letter.failedAt());
                out.println("  stream: " + letter.stream().orElse("-") + ", entry_id: " + letter.entryId().orElse("-"));
                out.println("  message: " + letter.message());
                letter.details().forEach((k, v) -> out.println("  details." + k + ": " + v));
                letter.original().forEach((k, v) -> out.println("  original." + k + ": " + v));
                rawBytes(letter).ifPresent(bytes -> out.println("  raw bytes to send again: " + bytes));
                out.println("  replayable: " + refusal(letter, stream).map(r -> "no, " + r)
                        .orElse("yes, onto " + stream.target(streams)));
            }
            return missing == 0 ? EXIT_OK : EXIT_NOT_FOUND;
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
            description = "Put dead letters back on their stream (same event ID), then delete them, atomically;"
                    + " letters this build's contract refuses stay.")
    final class ReplayCommand extends Selection implements Callable<Integer> {
        @Option(names = "--dry-run", description = "say what would be replayed or refused, change nothing")
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
            String target = stream().target(streams);
            int replayed = 0;
            Map<String, Integer> refused = new TreeMap<>();
            int gone = 0;
            long started = System.nanoTime();
            for (StreamEntry entry : chosen) {
                Optional<DeadLetter> read = readable(entry, dlq());
                if (read.isEmpty()) {
                    refused.merge(UNREADABLE, 1, Integer::sum);
                    continue;
                }
                DeadLetter letter = read.get();
                Optional<String> refusal = refusal(letter, stream());
                if (refusal.isPresent()) {
                    out.println(entry.getID() + " refused: " + refusal.get());
                    refused.merge(letter.reason().code(), 1, Integer::sum);
                    continue;
                }
                if (dryRun) {
                    out.println(entry.getID() + " would be replayed onto " + target);
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
                Object id = redis.eval(MOVE, List.of(target, dlq()), args);
                if (id == null) {
                    out.println(entry.getID() + " was already replayed or purged");
                    gone++;
                } else {
                    out.println(entry.getID() + " replayed onto " + target + " as " + id);
                    replayed++;
                }
            }
            int refusedCount = refused.values().stream().mapToInt(Integer::intValue).sum();
            out.println(replayed + " dead letter(s) " + (dryRun ? "would be " : "") + "replayed, " + refusedCount
                    + " refused" + (refused.isEmpty() ? "" : refused.entrySet().stream()
                    .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ", " (", ")")))
                    + ", " + (missing[0] + gone) + " not found; " + dlq() + " -> " + target);
            return missing[0] + refusedCount + gone == 0 ? EXIT_OK : EXIT_NOT_FOUND;
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
                    deleted += redis.xdel(dlq(), entry.getID());
                }
            }
            out.println(deleted + " dead letter(s) " + (dryRun ? "would be " : "") + "deleted from "
                    + dlq() + scope());
            return missing[0] == 0 ? EXIT_OK : EXIT_NOT_FOUND;
        }
    }

    /** How the counts name entries of a dead-letter stream that are not KillKrill dead letters. */
    static final String UNREADABLE = "unreadable";

    /**
     * The dead letter an entry holds, or empty (said on a line of its own) when the entry is not a KillKrill dead
     * letter (written by something else, or by a build whose letters this one cannot read): it is left where it is
     * and the others are still listed, shown or replayed.
     */
    private Optional<DeadLetter> readable(StreamEntry entry, String dlq) {
        try {
            return Optional.of(DeadLetterCodec.fromEntry(entry.getFields()));
        } catch (RuntimeException e) {
            out.println(entry.getID() + " " + UNREADABLE + ": " + e.getMessage() + "; left in " + dlq);
            return Optional.empty();
        }
    }

    /**
     * Why a dead letter cannot be replayed onto {@code target}'s stream, or empty when it can. Decided by the
     * contract, not by a list of reasons, so that a new reason needs no change here:
     * <ul>
     *   <li>a letter of raw input that never became a stream entry (no {@code stream}; the receivers kept the
     *   bytes of a syslog message they refused as {@code raw_base64}: {@code syslog_parse_error},
     *   {@code message_too_large}, {@code invalid_event}) is refused: only the receivers parse raw input, a
     *   worker never imports their code, and the bytes on the stream would be dead-lettered again for lacking
     *   {@code schema_version};</li>
     *   <li>a letter holding a stream entry is replayed only if the codec the target's worker decodes with
     *   accepts the entry, else refused with the codec's own reason and message ({@code invalid_json},
     *   {@code invalid_event}, {@code unsupported_schema_version}, and an entry of any reason this build cannot
     *   read): it would only be dead-lettered again. After an upgrade whose contract reads it, it is replayed.</li>
     * </ul>
     * A letter the contract accepts is replayed whatever its reason; whether it is then stored or dead-lettered
     * again depends on whether its cause (a mapping, a limit, a constraint) was removed first.
     */
    static Optional<String> refusal(DeadLetter letter, DeadLetterStream target) {
        String reason = "reason " + letter.reason().code() + " (stage " + letter.stage().wireName() + "): ";
        if (letter.stream().isEmpty()) {
            return Optional.of(reason + "the letter holds raw input that never became a stream entry"
                    + (letter.original().containsKey(RAW_BASE64) ? " (raw_base64)" : "")
                    + "; this tool has no parser for it, only the receivers do: fix the sender and send it again"
                    + " ('show' prints the bytes)");
        }
        EntryDecoding<?> decoding = target.decode(letter.original());
        if (decoding instanceof EntryDecoding.Undecodable<?> undecodable) {
            return Optional.of(reason + "this build's contract refuses the entry (" + undecodable.reason().code()
                    + ": " + undecodable.message() + "), so its worker would dead-letter it again; replay it after"
                    + " an upgrade that reads it");
        }
        return Optional.empty();
    }

    /** The raw bytes of a letter of raw input, printable ASCII as is and any other byte as {@code \xNN}. */
    static Optional<String> rawBytes(DeadLetter letter) {
        String base64 = letter.original().get(RAW_BASE64);
        if (base64 == null) {
            return Optional.empty();
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException notBase64) {
            return Optional.empty();
        }
        StringBuilder text = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            if (b >= 0x20 && b < 0x7f && b != '\\') {
                text.append((char) b);
            } else {
                text.append(String.format("\\x%02x", b & 0xff));
            }
        }
        return Optional.of(text.toString());
    }
}
