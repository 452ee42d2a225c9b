// Drives OpenTelemetry's own JavaScript SDK against KillKrill's OTLP/HTTP receiver, as an instrumented
// application would: sdk-logs with the OTLP/protobuf log exporter and sdk-metrics with the OTLP/protobuf metric
// exporter (installed into <dev dir>/node-opentelemetry by `scripts/dev-services up --test-tools`).
//
//   node otlp-export.cjs <client dir> <receivers URL> <API key> <run> <log records>
//
// Logs: <log records> records of service.name <run>, body "<run>-<seq>", severity cycling through TRACE, DEBUG,
// INFO, WARN, ERROR, FATAL (number and text), trace ID "<seq + 1 as 32 hex digits>", span ID "<seq + 1 as 16 hex
// digits>", attributes seq, user.id and a nested http.request.method; batches of 512 through a
// BatchLogRecordProcessor, gzipped (Content-Encoding: gzip).
// Metrics: a counter <run>.requests with attribute route=/a (cumulative: +5, +7, exported, +30, exported: 42) and a
// histogram <run>.latency with bounds [10, 100, 1000] (5, 50, 500 exported, 5000 exported: count 4, sum 5555); the
// provider's shutdown exports the final state once more.
// Prints one JSON line: {"logs": <emitted>, "errors": [<the SDK's diag errors and warnings>]}.
// Exit 0 unless the script itself broke.
const path = require('node:path');
const [clientDir, url, apiKey, run, countText] = process.argv.slice(2);
const need = (name) => require(path.join(clientDir, 'node_modules', name));
const api = need('@opentelemetry/api');
const { resourceFromAttributes } = need('@opentelemetry/resources');
const { LoggerProvider, BatchLogRecordProcessor } = need('@opentelemetry/sdk-logs');
const { OTLPLogExporter } = need('@opentelemetry/exporter-logs-otlp-proto');
const { MeterProvider, PeriodicExportingMetricReader } = need('@opentelemetry/sdk-metrics');
const { OTLPMetricExporter } = need('@opentelemetry/exporter-metrics-otlp-proto');

const errors = [];
api.diag.setLogger({
  error: (...args) => errors.push(args.map(String).join(' ')),
  warn: (...args) => errors.push(args.map(String).join(' ')),
  info: () => {}, debug: () => {}, verbose: () => {},
}, api.DiagLogLevel.WARN);

const headers = { 'X-API-Key': apiKey };
const resource = resourceFromAttributes({ 'service.name': run, 'host.name': 'otlp-it-host', 'deployment.environment': 'it' });
const severities = [
  [1, 'TRACE'], [5, 'DEBUG'], [9, 'INFO'], [13, 'WARN'], [17, 'ERROR'], [21, 'FATAL'],
];

async function logs(count) {
  const provider = new LoggerProvider({
    resource,
    processors: [new BatchLogRecordProcessor({
      exporter: new OTLPLogExporter({ url: `${url}/v1/logs`, headers, compression: 'gzip' }),
      maxQueueSize: count + 1000, maxExportBatchSize: 512, scheduledDelayMillis: 200,
    })],
  });
  const logger = provider.getLogger('otlp-it', '1.0.0');
  for (let seq = 0; seq < count; seq++) {
    const [severityNumber, severityText] = severities[seq % severities.length];
    const spanContext = {
      traceId: (seq + 1).toString(16).padStart(32, '0'), // all zeros is no valid trace ID
      spanId: (seq + 1).toString(16).padStart(16, '0'),
      traceFlags: api.TraceFlags.SAMPLED,
    };
    logger.emit({
      severityNumber,
      severityText,
      body: `${run}-${seq}`,
      attributes: { seq, 'user.id': `u${seq % 7}`, http: { request: { method: 'GET' } } },
      context: api.trace.setSpanContext(api.context.active(), spanContext),
    });
  }
  await provider.forceFlush();
  await provider.shutdown();
  return count;
}

async function metrics() {
  const reader = new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({ url: `${url}/v1/metrics`, headers }),
    exportIntervalMillis: 3_600_000,
  });
  const provider = new MeterProvider({ resource, readers: [reader] });
  const meter = provider.getMeter('otlp-it', '1.0.0');
  const counter = meter.createCounter(`${run}.requests`);
  const histogram = meter.createHistogram(`${run}.latency`, { advice: { explicitBucketBoundaries: [10, 100, 1000] } });
  counter.add(5, { route: '/a' });
  counter.add(7, { route: '/a' });
  [5, 50, 500].forEach((v) => histogram.record(v, { route: '/a' }));
  await reader.forceFlush();
  counter.add(30, { route: '/a' });
  histogram.record(5000, { route: '/a' });
  await reader.forceFlush();
  await provider.shutdown();
}

(async () => {
  const count = Number(countText);
  const sent = await logs(count);
  await metrics();
  console.log(JSON.stringify({ logs: sent, errors }));
})().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(2);
});
