package io.killkrill.logworker;

import io.killkrill.config.StreamNames;
import io.killkrill.model.EntryDecoding;
import io.killkrill.model.LogEventCodec;
import io.killkrill.model.MetricSampleCodec;
import picocli.CommandLine;

import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The dead-letter stream a {@link DeadLetterTool} command works on ({@code --stream logs|metrics}), the stream its
 * letters are replayed onto, and the contract a replayed entry must pass: the shared-models codec that stream's
 * worker decodes every entry with. Both pairs are named by the services' own settings ({@code KILLKRILL_LOGS_DLQ}
 * -> {@code KILLKRILL_LOGS_STREAM}, {@code KILLKRILL_METRICS_DLQ} -> {@code KILLKRILL_METRICS_STREAM}).
 */
enum DeadLetterStream {
    LOGS(StreamNames::logsDlq, StreamNames::logs, LogEventCodec::fromEntry),
    METRICS(StreamNames::metricsDlq, StreamNames::metrics, MetricSampleCodec::fromEntry);

    private final Function<StreamNames, String> deadLetters;
    private final Function<StreamNames, String> target;
    private final Function<Map<String, String>, EntryDecoding<?>> contract;

    DeadLetterStream(Function<StreamNames, String> deadLetters, Function<StreamNames, String> target,
                     Function<Map<String, String>, EntryDecoding<?>> contract) {
        this.deadLetters = deadLetters;
        this.target = target;
        this.contract = contract;
    }

    /** As the option spells it: {@code logs}, {@code metrics}. */
    String optionValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The dead-letter stream's key. */
    String deadLetters(StreamNames streams) {
        return deadLetters.apply(streams);
    }

    /** The key of the stream its letters are replayed onto. */
    String target(StreamNames streams) {
        return target.apply(streams);
    }

    /** Decodes an original entry exactly as the target's worker would (the same codec, the same checks). */
    EntryDecoding<?> decode(Map<String, String> entry) {
        return contract.apply(entry);
    }

    /** {@code --stream}: {@code logs} or {@code metrics}, and nothing else, named in the one-line error. */
    static final class Converter implements CommandLine.ITypeConverter<DeadLetterStream> {
        @Override
        public DeadLetterStream convert(String value) {
            for (DeadLetterStream stream : values()) {
                if (stream.optionValue().equals(value)) {
                    return stream;
                }
            }
            throw new CommandLine.TypeConversionException("'" + value + "' is neither logs nor metrics");
        }
    }
}
