package io.killkrill.receivers.http;

import io.killkrill.model.IngestContext;
import io.killkrill.model.LogEventCodec;
import io.killkrill.model.MetricSampleCodec;
import io.killkrill.model.Source;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the HTTP body parsers with random bytes and mutated valid bodies: each either refuses the whole body with
 * a reason (400/413) or yields items that are each readable or carry at least one error, and validation of every
 * readable item answers valid or invalid; no other exception escapes.
 */
class BodyParserFuzzTest {
    private static final String VALID_LOGS = "[{\"message\":\"m\",\"service\":\"s\",\"level\":\"info\","
            + "\"timestamp\":\"2026-11-25T17:54:51Z\",\"attributes\":{\"a\":1,\"b\":\"x\"}},{\"message\":\"n\",\"service\":\"t\"}]";
    private static final String VALID_NDJSON = "{\"name\":\"cpu\",\"value\":1.5,\"labels\":{\"h\":\"a\"}}\n"
            + "{\"name\":\"mem\",\"value\":2,\"timestamp\":1764093291}\n";
    private static final String VALID_PROM = "# TYPE req counter\nreq{code=\"200\",m=\"get\"} 10 1764093291000\n"
            + "temp 21.5\nlat_bucket{le=\"+Inf\"} 3\n";

    @Property(tries = 3000)
    void randomBytes(@ForAll @Size(max = 200) byte[] body) {
        check(body);
    }

    @Property(tries = 6000)
    void mutatedBodies(@ForAll("mutated") byte[] body) {
        check(body);
    }

    private static void check(byte[] body) {
        try {
            items(JsonBodyParser.json(body, 50));
        } catch (MalformedBodyException | BodyTooLargeException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
        try {
            items(JsonBodyParser.ndjson(body, 50));
            items(PrometheusTextParser.parse(body, 50));
        } catch (BodyTooLargeException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    private static void items(List<IngestItem> items) {
        for (IngestItem item : items) {
            if (item instanceof IngestItem.Parsed parsed) {
                IngestContext context = IngestContext.now(Source.http("p"));
                assertThat(LogEventCodec.fromInput(parsed.node(), context)).isNotNull();
                assertThat(MetricSampleCodec.fromInput(parsed.node(), context)).isNotNull();
            } else {
                assertThat(((IngestItem.Unreadable) item).errors()).isNotEmpty();
            }
        }
    }

    @Provide
    Arbitrary<byte[]> mutated() {
        return Mutations.ofText(List.of(VALID_LOGS, VALID_NDJSON, VALID_PROM),
                List.of('{', '}', '[', ']', '"', ',', ':', '\n', '=', ' ', '0', 'e', '\\', (char) 0xE9));
    }
}
