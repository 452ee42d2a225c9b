package io.killkrill.receivers.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.killkrill.model.EventIds;
import io.killkrill.model.IngestContext;
import io.killkrill.model.Json;
import io.killkrill.model.LogEvent;
import io.killkrill.model.LogEventCodec;
import io.killkrill.model.Source;
import io.killkrill.model.Validated;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The bulk body decoder, the ECS mapping onto the contract, and the bulk response, without a server. */
class EsBulkTest {
    private static final String DOC = "{\"@timestamp\":\"2026-11-30T10:00:00.123Z\",\"message\":\"hello\","
            + "\"service\":{\"name\":\"payments\"},\"log\":{\"level\":\"WARN\",\"logger\":\"app\"},"
            + "\"host\":{\"name\":\"web-1\",\"ip\":[\"10.0.0.1\",\"10.0.0.2\"]},\"trace.id\":\"abc\","
            + "\"http\":{\"response\":{\"status_code\":503}},\"tags\":null,\"attributes\":{\"seq\":7}}";

    private static List<IngestItem> decode(String body) throws Exception {
        return EsBulkDecoder.anyIndex().decode(body.getBytes(StandardCharsets.UTF_8), 100);
    }

    private static LogEvent valid(IngestItem item) {
        Validated<LogEvent> event = LogEventCodec.fromInput(((IngestItem.Parsed) item).node(),
                IngestContext.now(Source.http("p")));
        assertThat(event).as("%s", event).isInstanceOf(Validated.Valid.class);
        return ((Validated.Valid<LogEvent>) event).value();
    }

    @Test
    void ecsFieldsMapOntoTheContractAndTheRestBecomesAttributes() throws Exception {
        List<IngestItem> items = decode("{\"index\":{\"_index\":\"logs-x\"}}\n" + DOC + "\n");
        LogEvent event = valid(items.get(0));
        assertThat(event.message()).isEqualTo("hello");
        assertThat(event.service()).isEqualTo("payments");
        assertThat(event.level().wireName()).isEqualTo("warn");
        assertThat(event.host()).contains("web-1");
        assertThat(event.traceId()).contains("abc");
        assertThat(event.timestamp().toInstant().toString()).isEqualTo("2026-11-30T10:00:00.123Z");
        assertThat(event.attributes()).containsEntry("log.logger", "app")
                .containsEntry("host.ip", "[\"10.0.0.1\",\"10.0.0.2\"]")
                .containsEntry("http.response.status_code", 503L).containsEntry("seq", 7L)
                .doesNotContainKeys("tags", "message", "service.name", "log.level", "host.name", "trace.id");
    }

    @Test
    void theIndexIsTheServiceOfADocumentThatNamesNoneAndAStringServiceOrHostIsTaken() throws Exception {
        List<IngestItem> items = EsBulkDecoder.anyIndex().forTarget("/checkout/_bulk?refresh=false").decode((
                "{\"create\":{}}\n{\"message\":\"a\"}\n"
                        + "{\"index\":{\"_index\":\"other\"}}\n"
                        + "{\"message\":\"b\",\"service\":\"svc\",\"host\":\"h1\"}\n"
                        + "{\"index\":{\"_index\":\"not a service!\"}}\n{\"message\":\"c\"}\n")
                .getBytes(StandardCharsets.UTF_8), 100);
        assertThat(valid(items.get(0)).service()).isEqualTo("checkout");
        LogEvent second = valid(items.get(1));
        assertThat(second.service()).isEqualTo("svc");
        assertThat(second.host()).contains("h1");
        assertThat(second.attributes()).isEmpty();
        JsonNode third = ((IngestItem.Parsed) items.get(2)).node();
        assertThat(third.has("service")).isFalse(); // the contract refuses it: service is required
    }

    @Test
    void bothBulkPathsAreOneRouteAndThePathNamesTheIndex() {
        assertThat(Route.of("/_bulk?refresh=true")).isEqualTo(Route.ES_BULK);
        assertThat(Route.of("/logs-app%2D1/_bulk")).isEqualTo(Route.ES_BULK);
        assertThat(Route.of("http://receivers:8080/checkout/_bulk")).isEqualTo(Route.ES_BULK);
        assertThat(Route.of("/a/b/_bulk")).isEqualTo(Route.OTHER);
        assertThat(Route.of("//_bulk")).isEqualTo(Route.OTHER);
        assertThat(Route.of("/_bulk/")).isEqualTo(Route.OTHER);
        assertThat(Route.bulkIndexOf("/logs-app%2D1/_bulk")).contains("logs-app-1");
        assertThat(Route.bulkIndexOf("/a+b/_bulk")).contains("a+b");
        assertThat(Route.bulkIndexOf("/_bulk")).isEmpty();
        assertThat(Route.of("/")).isEqualTo(Route.ES_ROOT);
        assertThat(Route.ES_BULK.tag()).isEqualTo("/_bulk");
    }

    @Test
    void aUuidV7IdBecomesTheEventIdAndAnyOtherIdIsIgnored() throws Exception {
        String uuid = EventIds.next();
        List<IngestItem> items = decode("{\"index\":{\"_id\":\"" + uuid.toUpperCase() + "\"}}\n"
                + "{\"message\":\"a\",\"service\":\"s\"}\n{\"index\":{\"_id\":\"shipper-42\"}}\n"
                + "{\"message\":\"b\",\"service\":\"s\"}\n");
        assertThat(valid(items.get(0)).eventId()).isEqualTo(uuid);
        assertThat(((IngestItem.Parsed) items.get(1)).node().has("event_id")).isFalse();
        assertThat(valid(items.get(1)).attributes()).isEmpty();
    }

    /**
     * A shipper's own {@code _id} that is no UUIDv7 (Fluent Bit's {@code Generate_ID} hash), on a document with its
     * own time: the same UUIDv7 every time the document is sent again, so a resent chunk is one document per
     * {@code _id}; another {@code _id} gives another ID; a time older than the contract allows a client's event ID
     * gives none (the receiver assigns one).
     */
    @Test
    void anotherIdWithTheDocumentsOwnTimeBecomesTheSameEventIdOnEveryResend() throws Exception {
        String time = Instant.now().minusSeconds(3600).truncatedTo(ChronoUnit.MILLIS).toString();
        String body = "{\"create\":{\"_index\":\"app\",\"_id\":\"fb-hash-1\"}}\n{\"message\":\"a\",\"@timestamp\":\""
                + time + "\"}\n{\"create\":{\"_index\":\"app\",\"_id\":\"fb-hash-2\"}}\n{\"message\":\"b\","
                + "\"@timestamp\":\"" + time + "\"}\n";
        List<IngestItem> first = decode(body);
        List<IngestItem> again = decode(body);

        String a = valid(first.get(0)).eventId();
        assertThat(a).matches(EventIds::isValid).isEqualTo(valid(again.get(0)).eventId());
        assertThat(EventIds.epochMillis(a)).isEqualTo(Instant.parse(time).toEpochMilli());
        assertThat(valid(first.get(1)).eventId()).isNotEqualTo(a).isEqualTo(valid(again.get(1)).eventId());
        assertThat(EsDocumentMapping.derivedEventId("app/fb-hash-1",
                TextNode.valueOf(Instant.now().minus(Duration.ofDays(8)).toString()), Instant.now())).isEmpty();
    }

    @Test
    void deleteAndUpdateAreRefusedPerItemAndABrokenDocumentLineIsItsItemsRejection() throws Exception {
        EsBulkDecoder.Request request = (EsBulkDecoder.Request) decode("{\"delete\":{\"_id\":\"1\"}}\n"
                + "{\"update\":{\"_id\":\"2\"}}\n{\"doc\":{\"a\":1}}\n{\"index\":{}}\n{not json\n"
                + "{\"create\":{}}\n{\"message\":\"m\",\"service\":\"s\"}\n");
        assertThat(request.actions()).extracting(EsBulkDecoder.Action::name)
                .containsExactly("delete", "update", "index", "create");
        assertThat(request.get(0)).isInstanceOf(IngestItem.Unreadable.class);
        assertThat(request.get(1)).isInstanceOf(IngestItem.Unreadable.class);
        assertThat(((IngestItem.Unreadable) request.get(2)).errors().get(0).reason()).contains("line 5");
        valid(request.get(3));
    }

    @Test
    void aBrokenActionLineOrAMissingDocumentLineIsAMalformedBody() {
        assertThatThrownBy(() -> decode("{\"index\":{}\n{\"message\":\"m\"}\n"))
                .isInstanceOf(MalformedBodyException.class).hasMessageContaining("line [1]");
        assertThatThrownBy(() -> decode("{\"upsert\":{}}\n{}\n"))
                .isInstanceOf(MalformedBodyException.class).hasMessageContaining("[upsert]");
        assertThatThrownBy(() -> decode("{\"index\":{\"_id\":5}}\n{}\n"))
                .isInstanceOf(MalformedBodyException.class).hasMessageContaining("[_id] must be a string");
        assertThatThrownBy(() -> decode("{\"index\":{}}\n{\"message\":\"m\",\"service\":\"s\"}\n{\"index\":{}}\n"))
                .isInstanceOf(MalformedBodyException.class).hasMessageContaining("no document line");
        assertThatThrownBy(() -> EsBulkDecoder.anyIndex().decode(
                "{\"delete\":{}}\n{\"delete\":{}}\n".getBytes(StandardCharsets.UTF_8), 1))
                .isInstanceOf(BodyTooLargeException.class);
    }

    @Test
    void theAnswerHasOneItemPerActionInOrderWithTheStoredEventIdOrTheError() throws Exception {
        List<IngestItem> items = decode("{\"index\":{\"_index\":\"a\"}}\n{\"message\":\"m\",\"service\":\"s\"}\n"
                + "{\"create\":{}}\n{\"message\":\"m\"}\n{\"delete\":{\"_id\":\"x\"}}\n");
        JsonNode answer = answer(items);
        assertThat(answer.get("errors").asBoolean()).isTrue();
        JsonNode stored = answer.get("items").get(0).get("index");
        assertThat(stored.get("_index").asText()).isEqualTo("a");
        assertThat(stored.get("status").asInt()).isEqualTo(201);
        assertThat(EventIds.isValid(stored.get("_id").asText())).isTrue();
        JsonNode refused = answer.get("items").get(1).get("create");
        assertThat(refused.get("status").asInt()).isEqualTo(400);
        assertThat(refused.get("error").get("type").asText()).isEqualTo("mapper_parsing_exception");
        assertThat(refused.get("error").get("reason").asText()).contains("service is required");
        JsonNode delete = answer.get("items").get(2).get("delete");
        assertThat(delete.get("error").get("type").asText()).isEqualTo("illegal_argument_exception");
        assertThat(delete.get("_id").asText()).isEqualTo("x");
    }

    /** The ingest stage's verdicts for the items, and the bulk answer made of them. */
    private static JsonNode answer(List<IngestItem> items) throws Exception {
        List<IngestAnswers.Verdict> verdicts = new ArrayList<>();
        for (IngestItem item : items) {
            if (item instanceof IngestItem.Parsed parsed) {
                Validated<LogEvent> event = LogEventCodec.fromInput(parsed.node(), IngestContext.now(Source.http("p")));
                verdicts.add(event instanceof Validated.Valid<LogEvent> v
                        ? IngestAnswers.Verdict.stored(v.value().eventId())
                        : IngestAnswers.Verdict.refused(((Validated.Invalid<LogEvent>) event).errors()));
            } else {
                verdicts.add(IngestAnswers.Verdict.refused(((IngestItem.Unreadable) item).errors()));
            }
        }
        Answer answer = EsBulkAnswers.INSTANCE.stored(new IngestAnswers.Verdicts(items, verdicts, System.nanoTime()));
        assertThat(answer.status().code()).isEqualTo(200);
        return Json.MAPPER.readTree(answer.body());
    }

    /** Random bulk bodies: a 4xx for the whole body, or exactly one answered item per action, never an exception. */
    @Property(tries = 2000)
    void everyActionOfARandomBodyIsAnswered(@ForAll("bulkBodies") String body) throws Exception {
        List<IngestItem> items;
        try {
            items = decode(body);
        } catch (MalformedBodyException | BodyTooLargeException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        JsonNode answer = answer(items);
        assertThat(answer.get("items")).hasSize(items.size());
        long actionLines = body.lines().filter(l -> l.matches("\\{\"(index|create|delete|update)\":\\{.*")).count();
        assertThat((long) items.size()).isLessThanOrEqualTo(actionLines);
        for (JsonNode item : answer.get("items")) {
            int status = item.elements().next().get("status").asInt();
            assertThat(status).isIn(201, 400);
        }
    }

    @Provide
    Arbitrary<String> bulkBodies() {
        Arbitrary<String> action = Arbitraries.of("{\"index\":{}}", "{\"create\":{\"_index\":\"svc\"}}",
                "{\"index\":{\"_id\":\"" + EventIds.next() + "\"}}", "{\"delete\":{\"_id\":\"1\"}}",
                "{\"update\":{}}", "{\"index\":{\"_id\":3}}", "{\"bogus\":{}}", "{\"index\":", "[]", "");
        Arbitrary<String> document = Arbitraries.of("{\"message\":\"m\",\"service\":\"s\"}", "{\"message\":\"m\"}",
                "{\"message\":1,\"service\":\"s\",\"log\":{\"level\":\"nope\"}}", "{not json", "[1,2]", "null",
                "{\"message\":\"m\",\"service\":{\"name\":\"s\"},\"@timestamp\":\"yesterday\"}",
                "{\"message\":\"m\",\"service\":\"s\",\"a\":{\"b\":{\"c\":[{\"d\":1}]}}}",
                "{\"message\":\"" + "x".repeat(20) + "\",\"service\":\"s\",\"event_id\":\"nope\"}");
        Arbitrary<String> line = Arbitraries.oneOf(action, document,
                Arbitraries.strings().ofMaxLength(12));
        return line.list().ofMaxSize(12).map(lines -> String.join("\n", lines));
    }
}
