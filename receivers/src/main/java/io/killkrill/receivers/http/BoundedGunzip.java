package io.killkrill.receivers.http;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.zip.GZIPInputStream;

/** Inflates a gzip body in a streaming way and stops as soon as the output would pass the cap (gzip bombs). */
final class BoundedGunzip {
    private BoundedGunzip() {
    }

    static byte[] inflate(byte[] compressed, long maxBytes) throws BodyTooLargeException, MalformedBodyException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(compressed.length * 4, 1 << 20));
        byte[] chunk = new byte[16 * 1024];
        long total = 0;
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed), chunk.length)) {
            int n;
            while ((n = in.read(chunk)) > 0) {
                total += n;
                if (total > maxBytes) {
                    throw new BodyTooLargeException("the decompressed body exceeds " + maxBytes + " bytes");
                }
                out.write(chunk, 0, n);
            }
        } catch (IOException e) {
            throw new MalformedBodyException("the body is not valid gzip: " + e.getMessage());
        }
        return out.toByteArray();
    }
}
