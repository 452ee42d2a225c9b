// Drives the official Elasticsearch Node.js client (@elastic/elasticsearch v8) against KillKrill's receivers,
// as an application would: helpers.bulk sends the documents and reports each one it drops (onDrop).
//
//   node bulk-helper.cjs <client dir> <receivers URL> <API key> <run> <count> <invalid every> [flushBytes]
//
// Documents: {"@timestamp", "message": "<run>-<seq>", "service": {"name": "<run>"}, "log": {"level"}, "seq"};
// every <invalid every>-th one (seq % n == n - 1) is invalid for the contract (no message).
// Prints one JSON line: {"stats", "dropped": [{seq, status, type, reason}], "requests": ["POST /_bulk gzip", ...],
// "error": {statusCode, retryAfter, type, body} | null}. Exit 0 unless the script itself broke.
const path = require('node:path');
const [clientDir, url, apiKey, run, countText, invalidEveryText, flushBytesText] = process.argv.slice(2);
const { Client } = require(path.join(clientDir, 'node_modules', '@elastic', 'elasticsearch'));

const count = Number(countText);
const invalidEvery = Number(invalidEveryText);
// compression: the request bodies are gzipped (Content-Encoding: gzip), as shippers send them
const client = new Client({ node: url, auth: { apiKey }, maxRetries: 0, compression: true });
const requests = [];
client.diagnostic.on('request', (err, event) => {
  if (event && event.meta && event.meta.request && event.meta.request.params) {
    const { method, path: p, headers } = event.meta.request.params;
    const encoding = headers && (headers['content-encoding'] || headers['Content-Encoding']);
    requests.push(`${method} ${p}${encoding ? ' ' + encoding : ''}`);
  }
});

async function* documents() {
  for (let seq = 0; seq < count; seq++) {
    const doc = {
      '@timestamp': new Date().toISOString(),
      service: { name: run },
      log: { level: 'info', logger: 'bulk-helper' },
      seq,
    };
    if (seq % invalidEvery !== invalidEvery - 1) {
      doc.message = `${run}-${seq}`;
    }
    yield doc;
  }
}

(async () => {
  const dropped = [];
  let error = null;
  let stats = null;
  try {
    stats = await client.helpers.bulk({
      datasource: documents(),
      onDocument: () => ({ create: { _index: `${run}-logs` } }),
      onDrop: (drop) => dropped.push({
        seq: drop.document.seq,
        status: drop.status,
        type: drop.error && drop.error.type,
        reason: drop.error && drop.error.reason,
      }),
      flushBytes: Number(flushBytesText || 200000),
      concurrency: 2,
      retries: 0,
    });
  } catch (e) {
    error = {
      name: e.name,
      statusCode: e.meta ? e.meta.statusCode : null,
      retryAfter: e.meta && e.meta.headers ? e.meta.headers['retry-after'] : null,
      type: e.meta && e.meta.body && e.meta.body.error ? e.meta.body.error.type : null,
      message: e.message,
    };
  }
  process.stdout.write(JSON.stringify({ stats, dropped, requests, error }) + '\n');
})().catch((e) => {
  process.stderr.write(String(e && e.stack || e) + '\n');
  process.exit(1);
});
