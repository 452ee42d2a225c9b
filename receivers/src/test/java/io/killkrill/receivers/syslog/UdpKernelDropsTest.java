package io.killkrill.receivers.syslog;

import org.junit.jupiter.api.Test;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class UdpKernelDropsTest {
    /** Two sockets on port 5514 (0x158A: IPv4 any and loopback), one on another port; the header is skipped. */
    @Test
    void sumsTheDropsColumnOfTheSocketsBoundToThePort() {
        List<String> table = List.of(
                "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops",
                "  812: 00000000:158A 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 41234 2 0000000000000000 1162",
                "  813: 0100007F:158A 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 41235 2 0000000000000000 3",
                "  814: 00000000:158B 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 41236 2 0000000000000000 99");

        assertThat(UdpKernelDrops.drops(table, 5514)).isEqualTo(1165);
        assertThat(UdpKernelDrops.drops(table, 5515)).isEqualTo(99);
        assertThat(UdpKernelDrops.drops(table, 514)).isZero();
    }

    /**
     * The kernel's own count, read from /proc for a socket nobody reads: a receive buffer of a few KB overflows
     * after a few of 200 datagrams of 1 KB sent over loopback (which hands them to the socket synchronously). The
     * drops are summed over both tables: the row is in one of them only.
     */
    @Test
    void readsTheKernelsDropCountOfAnUnreadSocket() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/net/udp")), "Linux's /proc/net/udp");
        try (DatagramSocket unread = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             DatagramSocket sender = new DatagramSocket()) {
            unread.setReceiveBufferSize(1);
            int port = unread.getLocalPort();
            assertThat(new UdpKernelDrops(port).drops()).as("nothing sent yet").isZero();
            byte[] kilobyte = new byte[1024];
            for (int i = 0; i < 200; i++) {
                sender.send(new DatagramPacket(kilobyte, kilobyte.length, unread.getLocalSocketAddress()));
            }

            long drops = new UdpKernelDrops(port).drops();

            assertThat(drops).as("a Java socket is dual-stack: its row is in /proc/net/udp6").isPositive()
                    .isLessThan(200);
        }
    }
}
