package io.killkrill.it.receivers;

import com.fasterxml.jackson.databind.JsonNode;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.model.DeadLetter;
import io.killkrill.model.DeadLetterCodec;
import io.killkrill.model.DeadLetterReason;
import io.killkrill.model.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Syslog over TCP and UDP against a real Redis, from the util-linux {@code logger} client and from raw sockets.
 * Reconciliation: every test knows how many messages it sent and awaits exactly that many entries across the
 * logs stream and the logs DLQ (sent = stored + dead-lettered), with distinct event IDs.
 */
@ExtendWith(RedisExtension.class)
class SyslogIngestIT {
    private static final int MAX_MESSAGE = 1024;
    private ReceiversUnderTest service;
    private final String run = UUID.randomUUID().toString().substring(0, 8);

    @BeforeEach
    void start(RedisService redis, TestInfo test) throws Exception {
        service = ReceiversUnderTest.start(redis, "syslog-" + test.getTestMethod().orElseThrow().getName(),
                config -> config.withLimits(10 * 1024 * 1024, 10_000, MAX_MESSAGE, 1_000_000));
    }

    @AfterEach
    void stop() {
        service.close();
    }

    private int tcpPort() {
        return service.receivers.ports().syslogTcp();
    }

    private void logger(String... options) throws Exception {
        List<String> command = new ArrayList<>(List.of("logger", "-n", "127.0.0.1"));
        command.addAll(List.of(options));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("logger %s said: %s", command, output).isZero();
    }

    private List<JsonNode> awaitLogs(int count) {
        await("logs stream holds " + count + " events").atMost(Duration.ofSeconds(15))
                .until(() -> service.length(service.streams.logs()) >= count);
        List<JsonNode> events = service.events(service.streams.logs());
        assertThat(events).hasSize(count);
        assertThat(events).extracting(e -> e.get("event_id").asText()).doesNotHaveDuplicates();
        return events;
    }

    private List<DeadLetter> awaitDeadLetters(int count) {
        await("logs DLQ holds " + count + " dead letters").atMost(Duration.ofSeconds(15))
                .until(() -> service.length(service.streams.logsDlq()) >= count);
        List<DeadLetter> letters = service.entries(service.streams.logsDlq()).stream()
                .map(e -> DeadLetterCodec.fromEntry(e.getFields())).toList();
        assertThat(letters).hasSize(count);
        return letters;
    }

    private JsonNode byMessage(List<JsonNode> events, String message) {
        return events.stream().filter(e -> e.get("message").asText().equals(message)).findFirst()
                .orElseThrow(() -> new AssertionError("no event with message " + message + " in " + events));
    }

    @Test
    void loggerRfc5424OverTcpWithAndWithoutOctetCountingAndOverUdp() throws Exception {
        String port = Integer.toString(tcpPort());
        logger("--rfc5424", "-P", port, "-T", "--octet-count", "-t", "myapp", "-p", "local3.warning",
                "--msgid", "ID47", "--sd-id", "origin@32473", "--sd-param", "zone=\"eu\"", "tcp-octet-" + run);
        logger("--rfc5424", "-P", port, "-T", "-t", "myapp", "tcp-lf-" + run);
        logger("--rfc5424", "-P", port, "-d", "-t", "my/app!", "udp-" + run);

        List<JsonNode> events = awaitLogs(3);
        JsonNode octet = byMessage(events, "tcp-octet-" + run);
        assertThat(octet.get("service").asText()).isEqualTo("myapp");
        assertThat(octet.get("level").asText()).isEqualTo("warn");
        assertThat(octet.get("host").asText()).isNotBlank();
        assertThat(octet.get("syslog").get("format").asText()).isEqualTo("rfc5424");
        assertThat(octet.get("syslog").get("facility").asInt()).isEqualTo(19);
        assertThat(octet.get("syslog").get("severity").asInt()).isEqualTo(4);
        assertThat(octet.get("syslog").get("msg_id").asText()).isEqualTo("ID47");
        assertThat(octet.get("attributes").get("origin@32473.zone").asText()).isEqualTo("eu");
        assertThat(octet.get("source").get("type").asText()).isEqualTo("syslog");
        assertThat(OffsetDateTime.parse(octet.get("timestamp").asText())).isNotNull();
        assertThat(byMessage(events, "tcp-lf-" + run).get("service").asText()).isEqualTo("myapp");
        assertThat(byMessage(events, "udp-" + run).get("service").asText()).as("sanitized APP-NAME")
                .isEqualTo("my_app_");
        assertThat(service.length(service.streams.logsDlq())).isZero();
    }

    @Test
    void loggerRfc3164OverTcpAndUdp() throws Exception {
        String port = Integer.toString(tcpPort());
        logger("--rfc3164", "-P", port, "-T", "-t", "legacy", "-p", "user.err", "bsd-tcp-" + run);
        logger("--rfc3164", "-P", port, "-T", "--octet-count", "-t", "legacy", "bsd-octet-" + run);
        logger("--rfc3164", "-P", port, "-d", "-t", "legacy", "-i", "bsd-udp-" + run);

        List<JsonNode> events = awaitLogs(3);
        JsonNode tcp = byMessage(events, "bsd-tcp-" + run);
        assertThat(tcp.get("service").asText()).isEqualTo("legacy");
        assertThat(tcp.get("level").asText()).isEqualTo("error");
        assertThat(tcp.get("syslog").get("format").asText()).isEqualTo("rfc3164");
        assertThat(tcp.get("host").asText()).isNotBlank();
        assertThat(OffsetDateTime.parse(tcp.get("timestamp").asText()).getYear())
                .isBetween(OffsetDateTime.now().getYear() - 1, OffsetDateTime.now().getYear());
        assertThat(byMessage(events, "bsd-octet-" + run).get("service").asText()).isEqualTo("legacy");
        assertThat(byMessage(events, "bsd-udp-" + run).get("syslog").get("proc_id").asText()).isNotBlank();
    }

    @Test
    void severalFramesInOnePacketAndAFrameSplitAcrossSegments() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", tcpPort())) {
            socket.setTcpNoDelay(true);
            OutputStream out = socket.getOutputStream();
            String a = "<13>1 - h app - - - one";
            String b = "<13>1 - h app - - - two";
            out.write((a.length() + " " + a + b + "\r\n<13>Nov 25 10:00:00 h app: three\0").getBytes(StandardCharsets.UTF_8));
            out.flush();
            String split = "<14>1 - h app - - - four-split";
            byte[] framed = (split.length() + " " + split).getBytes(StandardCharsets.UTF_8);
            out.write(framed, 0, 5);
            out.flush();
            out.write(framed, 5, framed.length - 5);
            out.write("<14>1 - h app - - - fi".getBytes(StandardCharsets.UTF_8));
            out.flush();
            out.write("ve-split\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        assertThat(awaitLogs(5)).extracting(e -> e.get("message").asText())
                .containsExactly("one", "two", "three", "four-split", "five-split");
    }

    @Test
    void nonUtf8BytesAndEmptyLines() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", tcpPort())) {
            OutputStream out = socket.getOutputStream();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            bytes.write("\n\r\n<13>1 - h app - - - caf".getBytes(StandardCharsets.US_ASCII));
            bytes.write(new byte[]{(byte) 0xE9, (byte) 0xFF, ' ', 'x'});
            bytes.write("\n\n<13>1 - h app - - - after\n".getBytes(StandardCharsets.US_ASCII));
            out.write(bytes.toByteArray());
        }

        List<JsonNode> events = awaitLogs(2);
        assertThat(events.get(0).get("message").asText()).isEqualTo("caf\uFFFD\uFFFD x");
        assertThat(events.get(1).get("message").asText()).isEqualTo("after");
        assertThat(service.get("/metrics").body())
                .contains("killkrill_receivers_items_rejected_total{kind=\"logs\",reason=\"empty_frame\","
                        + "source=\"syslog\"} 3.0");
    }

    @Test
    void unparseableMessagesAreDeadLetteredWithRawBytesPeerAndTransport() throws IOException {
        byte[] garbage = {'h', 'e', 'l', 'l', 'o', (byte) 0xC3, ' ', '<', '9'};
        try (Socket socket = new Socket("127.0.0.1", tcpPort())) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            bytes.write(garbage);
            bytes.write("\n<13>1 - h app - - - valid\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(bytes.toByteArray());
        }
        try (DatagramSocket udp = new DatagramSocket()) {
            byte[] bad = "<13>not a timestamp at all".getBytes(StandardCharsets.US_ASCII);
            udp.send(new DatagramPacket(bad, bad.length, InetAddress.getLoopbackAddress(),
                    service.receivers.ports().syslogUdp().orElseThrow()));
        }

        awaitLogs(1);
        List<DeadLetter> letters = awaitDeadLetters(2);
        DeadLetter tcp = letters.stream().filter(l -> l.original().get("transport").equals("tcp")).findFirst()
                .orElseThrow();
        assertThat(tcp.stage()).isEqualTo(Stage.DECODE);
        assertThat(tcp.reason()).isEqualTo(DeadLetterReason.SYSLOG_PARSE_ERROR);
        assertThat(tcp.message()).contains("PRI");
        assertThat(tcp.service()).isEqualTo("receivers");
        assertThat(Base64.getDecoder().decode(tcp.original().get("raw_base64"))).isEqualTo(garbage);
        assertThat(tcp.original().get("peer")).startsWith("127.0.0.1:");
        DeadLetter udp = letters.stream().filter(l -> l.original().get("transport").equals("udp")).findFirst()
                .orElseThrow();
        assertThat(udp.reason()).isEqualTo(DeadLetterReason.SYSLOG_PARSE_ERROR);
        assertThat(new String(Base64.getDecoder().decode(udp.original().get("raw_base64")), StandardCharsets.US_ASCII))
                .isEqualTo("<13>not a timestamp at all");
        assertThat(service.entries(service.streams.logsDlq()).get(0).getFields())
                .containsEntry(DeadLetterCodec.STAGE, "decode");
    }

    /**
     * Issue 16's fault class "UDP datagrams between 2 KiB and the maximum message size": with a 48 KiB maximum,
     * datagrams of 2 KiB + 1, 4 KiB, 16 KiB and just under the maximum are each stored whole (the message read back
     * is the one sent, to the byte), and one over the maximum is dead-lettered {@code message_too_large}. A receive
     * buffer of the allocator's default size (2 KiB) would cut the larger ones. Reconciliation: 5 sent = 4 stored +
     * 1 dead-lettered, no duplicates (awaitLogs checks the event IDs).
     */
    @Test
    void udpDatagramsUpToTheMaximumAreStoredWholeAndLargerOnesDeadLettered(RedisService redis, TestInfo test)
            throws Exception {
        int max = 48 * 1024;
        service.close();
        service = ReceiversUnderTest.start(redis, "syslog-" + test.getTestMethod().orElseThrow().getName(),
                config -> config.withLimits(10 * 1024 * 1024, 10_000, max, 1_000_000));
        String header = "<13>1 - h app - - - ";
        List<String> whole = new ArrayList<>();
        try (DatagramSocket udp = new DatagramSocket()) {
            for (int size : new int[] {2049, 4096, 16_384, max - 16, max + 1000}) {
                String message = (char) ('a' + whole.size()) + "x".repeat(size - header.length() - 1);
                byte[] datagram = (header + message).getBytes(StandardCharsets.US_ASCII);
                assertThat(datagram).hasSize(size);
                udp.send(new DatagramPacket(datagram, datagram.length, InetAddress.getLoopbackAddress(),
                        service.receivers.ports().syslogUdp().orElseThrow()));
                if (size <= max) {
                    whole.add(message);
                }
            }
        }

        List<JsonNode> events = awaitLogs(4);
        assertThat(events).extracting(e -> e.get("message").asText()).containsExactlyInAnyOrderElementsOf(whole);
        assertThat(awaitDeadLetters(1)).singleElement().satisfies(letter -> {
            assertThat(letter.reason()).isEqualTo(DeadLetterReason.MESSAGE_TOO_LARGE);
            assertThat(letter.original().get("transport")).isEqualTo("udp");
        });
    }

    @Test
    void oversizeMessagesAreDeadLetteredTruncatedAndFramingRecovers() throws IOException {
        String big = "<13>1 - h app - - - " + "x".repeat(3000);
        try (Socket socket = new Socket("127.0.0.1", tcpPort())) {
            OutputStream out = socket.getOutputStream();
            out.write((big + "\n").getBytes(StandardCharsets.US_ASCII));
            out.write((big.length() + " " + big).getBytes(StandardCharsets.US_ASCII));
            out.write("<13>1 - h app - - - small-after\n".getBytes(StandardCharsets.US_ASCII));
        }
        try (DatagramSocket udp = new DatagramSocket()) {
            byte[] bytes = big.getBytes(StandardCharsets.US_ASCII);
            udp.send(new DatagramPacket(bytes, bytes.length, InetAddress.getLoopbackAddress(),
                    service.receivers.ports().syslogUdp().orElseThrow()));
        }

        assertThat(awaitLogs(1).get(0).get("message").asText()).isEqualTo("small-after");
        List<DeadLetter> letters = awaitDeadLetters(3);
        assertThat(letters).allSatisfy(letter -> {
            assertThat(letter.reason()).isEqualTo(DeadLetterReason.MESSAGE_TOO_LARGE);
            byte[] raw = Base64.getDecoder().decode(letter.original().get("raw_base64"));
            assertThat(raw).hasSize(MAX_MESSAGE);
            assertThat(new String(raw, StandardCharsets.US_ASCII)).isEqualTo(big.substring(0, MAX_MESSAGE));
        });
        assertThat(letters).extracting(l -> l.original().get("transport")).containsExactlyInAnyOrder("tcp", "tcp", "udp");
    }
}
