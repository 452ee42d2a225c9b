package io.killkrill.it.mutation;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code scripts/MutationScore.java}, which merges the unit-test and live-store PIT reports, run the way
 * {@code scripts/mutation-score} runs it (a {@code java} process over report files): a mutant counts once however
 * many reports hold it, is killed when either half detected it, and a package below the threshold fails the run.
 */
class MutationScoreTest {
    @TempDir
    Path dir;

    private static String mutation(String status, String className, int line, String mutator) {
        return "<mutation detected='" + !status.equals("SURVIVED") + "' status='" + status + "' numberOfTestsRun='1'>"
                + "<sourceFile>X.java</sourceFile><mutatedClass>" + className + "</mutatedClass>"
                + "<mutatedMethod>run</mutatedMethod><methodDescription>()V</methodDescription>"
                + "<lineNumber>" + line + "</lineNumber><mutator>org.pitest.mutationtest.engine.gregor.mutators."
                + mutator + "</mutator><indexes><index>7</index></indexes><blocks><block>1</block></blocks>"
                + "<killingTest/><description>removed call to run</description></mutation>";
    }

    private Path report(String name, String... mutations) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<mutations partial=\"false\">"
                + String.join("\n", mutations) + "</mutations>\n");
        return file;
    }

    private record Run(int exitStatus, String output) {
    }

    private Run score(String... args) throws Exception {
        Path root = Path.of(System.getProperty("killkrill.repoRoot", "..")).toAbsolutePath().normalize();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), root.resolve("scripts/MutationScore.java").toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the merge ends").isTrue();
        return new Run(process.exitValue(), output);
    }

    @Test
    void aMutantSurvivingTheUnitTestsButKilledByAnItCountsOnceAsKilled() throws Exception {
        Path unit = report("unit.xml",
                mutation("KILLED", "io.killkrill.stream.Batch", 10, "NegateConditionalsMutator"),
                mutation("NO_COVERAGE", "io.killkrill.stream.StreamConsumer", 20, "VoidMethodCallMutator"),
                mutation("SURVIVED", "io.killkrill.stream.StreamConsumer$Reader", 30, "VoidMethodCallMutator"),
                mutation("SURVIVED", "io.killkrill.receivers.enqueue.FlowGate", 40, "MathMutator"));
        Path live = report("live.xml",
                mutation("TIMED_OUT", "io.killkrill.stream.StreamConsumer", 20, "VoidMethodCallMutator"),
                mutation("KILLED", "io.killkrill.stream.StreamConsumer$Reader", 30, "VoidMethodCallMutator"),
                mutation("SURVIVED", "io.killkrill.receivers.enqueue.FlowGate", 40, "MathMutator"));

        Run run = score("--threshold", "85", unit.toString(), "--live", live.toString());

        assertThat(run.output()).contains("| `stream` | 3 | 1 | 2 | 3 | **100%** |")
                .contains("| `receivers.enqueue` | 1 | 0 | 0 | 0 | 0% (below 85%) |")
                .contains("| all | 4 | 1 | 2 | 3 | 75% |")
                .contains("- receivers.enqueue FlowGate.run:40: removed call to run (MathMutator)")
                .doesNotContain("StreamConsumer.run:20");
        assertThat(run.exitStatus()).as(run.output()).isEqualTo(1);
    }

    @Test
    void everyPackageAtTheThresholdExitsZeroAndAMissingReportIsNamed() throws Exception {
        Path unit = report("unit.xml",
                mutation("KILLED", "io.killkrill.metricsworker.store.WindowRowMerger", 10, "MathMutator"),
                mutation("SURVIVED", "io.killkrill.metricsworker.store.WindowRowMerger", 11, "MathMutator"));

        Run met = score("--threshold", "50", unit.toString());
        assertThat(met.output()).contains("| `metricsworker.store` | 2 | 1 | 0 | 1 | **50%** |");
        assertThat(met.exitStatus()).as(met.output()).isZero();

        Run missing = score(unit.toString(), "--live", dir.resolve("absent.xml").toString());
        assertThat(missing.exitStatus()).isNotZero();
        assertThat(missing.output()).contains("no PIT report at " + dir.resolve("absent.xml"));
    }
}
