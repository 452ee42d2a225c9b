package io.killkrill.bench;

import com.google.protobuf.CodedOutputStream;
import org.xerial.snappy.Snappy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prometheus remote_write 1.0 load: the metrics phase's samples ({@link HttpLoad#metricSample}: 3 names x 100
 * hosts, region eu) as snappy-compressed protobuf {@code WriteRequest}s, one series of one sample per item, as
 * Prometheus batches what it scraped.
 */
final class RemoteWriteLoad {
    static final String[] HEADERS = {"Content-Type", "application/x-protobuf", "Content-Encoding", "snappy",
            "X-Prometheus-Remote-Write-Version", "0.1.0"};
    private static final String[] NAMES = {"bench_requests_total", "bench_latency_ms", "bench_queue_depth"};

    private RemoteWriteLoad() {
    }

    static HttpLoad.Bodies bodies(int total, int perBatch, long nowMillis) throws IOException {
        List<byte[]> bodies = new ArrayList<>();
        Map<byte[], Integer> samples = new IdentityHashMap<>();
        for (int start = 0; start < total; start += perBatch) {
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(request);
            int end = Math.min(total, start + perBatch);
            for (int i = start; i < end; i++) {
                out.writeByteArray(1, series(i, nowMillis)); // WriteRequest.timeseries
            }
            out.flush();
            byte[] body = Snappy.compress(request.toByteArray());
            bodies.add(body);
            samples.put(body, end - start);
        }
        return new HttpLoad.Bodies(bodies, samples);
    }

    private static byte[] series(long i, long nowMillis) throws IOException {
        ByteArrayOutputStream series = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(series);
        out.writeByteArray(1, label("__name__", NAMES[(int) (i % 3)])); // TimeSeries.labels
        out.writeByteArray(1, label("host", "h-" + (i / 3 % 100)));
        out.writeByteArray(1, label("region", "eu"));
        ByteArrayOutputStream sample = new ByteArrayOutputStream();
        CodedOutputStream s = CodedOutputStream.newInstance(sample);
        s.writeDouble(1, i % 1000); // Sample.value
        s.writeInt64(2, nowMillis); // Sample.timestamp
        s.flush();
        out.writeByteArray(2, sample.toByteArray()); // TimeSeries.samples
        out.flush();
        return series.toByteArray();
    }

    private static byte[] label(String name, String value) throws IOException {
        ByteArrayOutputStream label = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(label);
        out.writeString(1, name);
        out.writeString(2, value);
        out.flush();
        return label.toByteArray();
    }
}
