package io.killkrill.receivers.http;

/** The body cannot be read at all (broken gzip, broken JSON); the message says where: HTTP 400. */
final class MalformedBodyException extends Exception {
    MalformedBodyException(String message) {
        super(message);
    }
}
