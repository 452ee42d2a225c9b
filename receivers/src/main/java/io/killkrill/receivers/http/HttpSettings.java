package io.killkrill.receivers.http;

/** What the HTTP receiver needs of the configuration. */
record HttpSettings(long maxBodyBytes, int maxItems, String logsStream, String metricsStream) {
}
