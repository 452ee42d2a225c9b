package io.killkrill.receivers.http;

import java.util.List;

/**
 * Turns one request body (complete, already inflated) into items. A body that cannot be read at all is a
 * {@link MalformedBodyException} whose message names the problem (400); more than {@code maxItems} items is a
 * {@link BodyTooLargeException} (413); an item that cannot be read is an {@link IngestItem.Unreadable} that keeps
 * its position, so the answer can name it. Chosen by route and media type in {@link BodyDecoders}; a new protocol
 * (OTLP, remote_write) is a new decoder and a new binding there.
 */
@FunctionalInterface
interface BodyDecoder {
    List<IngestItem> decode(byte[] body, int maxItems) throws MalformedBodyException, BodyTooLargeException;
}
