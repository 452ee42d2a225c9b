package io.killkrill.it.support;

import io.killkrill.it.support.FreePorts.Band;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * How {@link FreePorts} splits 20000-31999 between failsafe's JVMs. The suite once ran with the fork number passed
 * as an empty string (SUREFIRE-1068): read as "no number", all three JVMs took the first band.
 */
class FreePortsBandTest {

    @Test
    void threeForksTakeThreeDisjointBandsCoveringTheSpan() {
        Set<Integer> ports = new HashSet<>();
        for (int fork = 1; fork <= 3; fork++) {
            Band band = Band.of(Integer.toString(fork), "3");
            assertThat(band.size()).isEqualTo(4_000);
            for (int port = band.first(); port < band.first() + band.size(); port++) {
                assertThat(ports.add(port)).as("port %d handed to fork %d and an earlier one", port, fork).isTrue();
            }
        }
        assertThat(ports).hasSize(12_000).contains(20_000, 31_999).doesNotContain(19_999, 32_000);
    }

    @Test
    void aForkNumberThatIsNotOneOfTheForksStopsTheJvm() {
        for (String bad : new String[] {"", " ", "x", "0", "4", "${surefire.forkNumber}"}) {
            assertThatThrownBy(() -> Band.of(bad, "3")).as("fork '%s'", bad)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("killkrill.it.fork is '" + bad + "'");
        }
        assertThatThrownBy(() -> Band.of("1", "")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("killkrill.it.forks");
    }

    @Test
    void aJvmOutsideTheBuildTakesTheFirstOfThePomsThreeBands() {
        assertThat(Band.of(null, null)).isEqualTo(Band.of("1", "3"));
        assertThat(Band.of(null, null).first()).isEqualTo(20_000);
    }
}
