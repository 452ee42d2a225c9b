package io.killkrill.receivers.relp;

import io.killkrill.receivers.syslog.SyslogFrame;
import io.killkrill.receivers.syslog.SyslogIngest;
import io.killkrill.receivers.syslog.SyslogParse;

import java.util.concurrent.CompletableFuture;

/**
 * Where a RELP session stores what it read. Each future completes once Redis confirmed the entry (the event, or
 * its dead letter), and fails when the writer gave up on it; a session answers a frame only after that.
 */
public interface RelpStore {

    /** One syslog message, parsed by the syslog codec: a logs-stream entry, or a dead letter. */
    CompletableFuture<Void> message(SyslogFrame frame, String peer);

    /** Bytes the RELP layer refuses (a broken frame, an unsupported command): a dead letter with the raw bytes. */
    CompletableFuture<Void> deadLetter(SyslogParse.Rejected rejected, String peer);

    /** Through the syslog codec, one write per frame so that each frame learns its own outcome. */
    static RelpStore of(SyslogIngest.Batch batch) {
        return new RelpStore() {
            @Override
            public CompletableFuture<Void> message(SyslogFrame frame, String peer) {
                batch.add(frame, peer);
                return batch.send();
            }

            @Override
            public CompletableFuture<Void> deadLetter(SyslogParse.Rejected rejected, String peer) {
                batch.addRejected(rejected, peer);
                return batch.send();
            }
        };
    }
}
