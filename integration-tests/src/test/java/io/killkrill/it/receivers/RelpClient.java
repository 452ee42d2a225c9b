package io.killkrill.it.receivers;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A RELP client on a raw socket: writes frames as given, reads the server's frames one by one. */
public final class RelpClient implements AutoCloseable {
    static final String OFFERS = "relp_version=0\nrelp_software=librelp,1.11.0,http://librelp.adiscon.com\n"
            + "commands=syslog";

    /** One frame the server sent. */
    public record Received(long txnr, String command, String data) {
        public boolean ok() {
            return command.equals("rsp") && data.startsWith("200 OK");
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RelpClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    public static RelpClient connect(int port) throws IOException {
        return new RelpClient(new Socket("127.0.0.1", port));
    }

    public static byte[] frame(long txnr, String command, String data) {
        byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.writeBytes((txnr + " " + command + " " + bytes.length + (bytes.length > 0 ? " " : ""))
                .getBytes(StandardCharsets.US_ASCII));
        frame.writeBytes(bytes);
        frame.write('\n');
        return frame.toByteArray();
    }

    public void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    public void send(long txnr, String command, String data) throws IOException {
        send(frame(txnr, command, data));
    }

    /** Opens the session (TXNR 1) and checks the answer. */
    public Received open() throws IOException {
        send(1, "open", OFFERS);
        Received answer = next(Duration.ofSeconds(10)).orElseThrow(() -> new AssertionError("open not answered"));
        if (!answer.ok() || answer.txnr() != 1) {
            throw new AssertionError("open answered " + answer);
        }
        return answer;
    }

    /** The next frame from the server, empty when none came within {@code wait}; EOF is a frame "eof". */
    public Optional<Received> next(Duration wait) throws IOException {
        socket.setSoTimeout((int) wait.toMillis());
        try {
            String txnr = token(' ');
            if (txnr == null) {
                return Optional.of(new Received(-1, "eof", ""));
            }
            socket.setSoTimeout(10_000);
            String command = token(' ');
            String length = tokenUntilSpaceOrLf();
            int n = Integer.parseInt(length);
            String data = "";
            if (n > 0) {
                data = new String(in.readNBytes(n), StandardCharsets.UTF_8);
                if (in.read() != '\n') {
                    throw new AssertionError("server frame without LF trailer");
                }
            }
            return Optional.of(new Received(Long.parseLong(txnr), command, data));
        } catch (SocketTimeoutException e) {
            return Optional.empty();
        }
    }

    /** Frames until EOF or until nothing came for {@code quiet}. */
    public List<Received> drain(Duration quiet) throws IOException {
        List<Received> frames = new ArrayList<>();
        while (true) {
            Optional<Received> next = next(quiet);
            if (next.isEmpty() || next.get().command().equals("eof")) {
                next.ifPresent(frames::add);
                return frames;
            }
            frames.add(next.get());
        }
    }

    private String token(char end) throws IOException {
        StringBuilder token = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (token.length() == 0) {
                    return null;
                }
                throw new AssertionError("connection ended inside a server frame: " + token);
            }
            if (b == end) {
                return token.toString();
            }
            token.append((char) b);
        }
    }

    /** DATALEN ends at the space before DATA, or at the LF of a frame without DATA (consumed). */
    private String tokenUntilSpaceOrLf() throws IOException {
        StringBuilder token = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("connection ended inside a server frame");
            }
            if (b == ' ' || b == '\n') {
                return token.toString();
            }
            token.append((char) b);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
