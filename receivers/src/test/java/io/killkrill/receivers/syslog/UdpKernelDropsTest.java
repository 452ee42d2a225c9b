package io.killkrill.receivers.syslog;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

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
}
