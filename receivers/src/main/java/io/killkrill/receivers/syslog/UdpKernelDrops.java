package io.killkrill.receivers.syslog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Datagrams the kernel dropped on the receiver's UDP socket before it read them (its receive buffer was full):
 * the {@code drops} column of {@code /proc/net/udp} and {@code /proc/net/udp6} for the socket bound to the
 * port, the per-socket form of {@code netstat -su}'s {@code RcvbufErrors}. Zero where /proc is not Linux's.
 */
final class UdpKernelDrops {
    private static final List<Path> TABLES = List.of(Path.of("/proc/net/udp"), Path.of("/proc/net/udp6"));

    private final int port;

    UdpKernelDrops(int port) {
        this.port = port;
    }

    /** The kernel's drop count of the sockets bound to the port, summed over IPv4 and IPv6. */
    long drops() {
        long total = 0;
        for (Path table : TABLES) {
            try {
                total += drops(Files.readAllLines(table), port);
            } catch (IOException | RuntimeException e) {
                // no such table here (another OS, no IPv6): nothing to count
            }
        }
        return total;
    }

    /** Sums the {@code drops} column (the last) of the rows whose local address has the port. */
    static long drops(List<String> lines, int port) {
        String suffix = ":" + String.format(Locale.ROOT, "%04X", port);
        long total = 0;
        for (int i = 1; i < lines.size(); i++) {
            String[] columns = lines.get(i).trim().split("\\s+");
            if (columns.length < 13 || !columns[1].endsWith(suffix)) {
                continue;
            }
            total += Long.parseLong(columns[columns.length - 1]);
        }
        return total;
    }
}
