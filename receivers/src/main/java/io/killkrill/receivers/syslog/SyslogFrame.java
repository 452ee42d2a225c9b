package io.killkrill.receivers.syslog;

/**
 * The bytes of one syslog message as framing delivered it.
 *
 * @param bytes    the message (no trailer); when {@code tooLarge}, only its first maximum-size bytes
 * @param tooLarge the message was longer than the maximum message size
 */
public record SyslogFrame(byte[] bytes, boolean tooLarge) {
    public boolean empty() {
        return bytes.length == 0 && !tooLarge;
    }
}
