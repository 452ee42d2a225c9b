package io.killkrill.receivers.http;

/** The body, as sent or once inflated, or its item count, passed a limit: HTTP 413. */
final class BodyTooLargeException extends Exception {
    BodyTooLargeException(String message) {
        super(message);
    }
}
