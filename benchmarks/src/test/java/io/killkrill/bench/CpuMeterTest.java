package io.killkrill.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Regression: with two Elasticsearch nodes on the machine the meter took the lower pid's, not the bench's node. */
class CpuMeterTest {
    private static final List<String> TCP = List.of(
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
            "   0: 0100007F:4AE0 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 77343 1 0 100 0 0 10 0",
            "   1: 0100007F:C050 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 17387 1 0 100 0 0 10 0",
            "   2: 0100007F:C050 0100007F:9C40 01 00000000:00000000 00:00000000 00000000   999        0 99999 1 0 20 4 30 10 -1",
            "   3: 0100007F:14C050 00000000:0000 0A 00000000:00000000 00:00000000 00000000   0        0 55555 1 0 100 0 0 10 0");

    @Test
    void onlyTheListeningSocketOfThatPortCounts() {
        // 0xC050 = 49232, 0x4AE0 = 19168
        assertThat(CpuMeter.listeningInodes(TCP, 49232)).containsExactly("17387");
        assertThat(CpuMeter.listeningInodes(TCP, 19168)).containsExactly("77343");
        assertThat(CpuMeter.listeningInodes(TCP, 9200)).isEmpty();
    }

    @Test
    void theProcessListeningOnThePortIsFound() throws Exception {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            assertThat(CpuMeter.listenerPid(socket.getLocalPort())).isEqualTo(ProcessHandle.current().pid());
        }
    }
}
