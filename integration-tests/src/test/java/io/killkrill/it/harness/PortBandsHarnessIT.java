package io.killkrill.it.harness;

import io.killkrill.it.support.FreePorts;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The build tells each failsafe JVM which one it is, so that {@link FreePorts} gives it a band of ports of its own.
 * When the pom passed {@code ${surefire.forkNumber}} through systemPropertyVariables the JVMs got an empty string
 * (SUREFIRE-1068), all took the first band, and one JVM's receivers took the admin port of another's killed worker
 * before it restarted ({@code WorkerCrashIT} failed in CI).
 */
class PortBandsHarnessIT {

    @Test
    void thisJvmKnowsWhichOfTheForksItIsAndHandsOutPortsOfItsBandOnly() {
        String forks = System.getProperty("killkrill.it.forks");
        String fork = System.getProperty("killkrill.it.fork");
        assertThat(forks).as("killkrill.it.forks, from the pom").matches("[1-9][0-9]*");
        assertThat(fork).as("killkrill.it.fork, failsafe's ${surefire.forkNumber}").matches("[1-9][0-9]*");
        int count = Integer.parseInt(forks);
        int own = Integer.parseInt(fork);
        assertThat(own).isBetween(1, count);

        int size = 12_000 / count;
        int first = 20_000 + size * (own - 1);
        for (int i = 0; i < 50; i++) {
            assertThat(FreePorts.next()).as("a port of fork %d's band", own).isBetween(first, first + size - 1);
        }
    }
}
