package io.killkrill.service;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.function.Function;

/**
 * The part of the stream contract a store can break before the first entry is written: every configured stream
 * key is absent or a stream. A key of another type (a string left by another application, a typo that names an
 * existing hash) would make every XADD or XREADGROUP fail with WRONGTYPE forever, so start-up refuses it with
 * {@link IncompatibleContractException} (exit 3). Checked when Redis answers at start; when it does not, the
 * service starts not ready, and the check is skipped.
 */
public final class StreamKeyCheck {
    private static final Logger LOG = LoggerFactory.getLogger(StreamKeyCheck.class);

    private StreamKeyCheck() {
    }

    /**
     * @param keyBySetting the Redis key each setting names, e.g. {@code KILLKRILL_LOGS_STREAM -> logs-stream}
     * @param typeOf       Redis {@code TYPE key}: {@code none}, {@code stream}, {@code string}, ...
     */
    public static void requireStreams(Map<String, String> keyBySetting, Function<String, String> typeOf) {
        for (Map.Entry<String, String> entry : keyBySetting.entrySet()) {
            String type;
            try {
                type = typeOf.apply(entry.getValue());
            } catch (RuntimeException e) {
                LOG.warn("stream key check skipped, Redis does not answer: {}", e.toString());
                return;
            }
            if (!"none".equals(type) && !"stream".equals(type)) {
                throw new IncompatibleContractException(entry.getKey() + " names Redis key '" + entry.getValue()
                        + "', which holds a " + type + ", not a stream");
            }
        }
    }
}
