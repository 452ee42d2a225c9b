package io.killkrill.receivers.syslog;

import io.killkrill.model.DeadLetterReason;
import io.killkrill.model.LogEvent;

import java.util.Objects;

/** What became of one syslog message: an event, or a rejection that keeps the raw bytes and says why. */
public sealed interface SyslogParse {

    record Parsed(LogEvent event) implements SyslogParse {
        public Parsed {
            Objects.requireNonNull(event, "event");
        }
    }

    record Rejected(DeadLetterReason reason, String message, byte[] raw) implements SyslogParse {
        public Rejected {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(message, "message");
            Objects.requireNonNull(raw, "raw");
        }
    }
}
