package io.killkrill.bench;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ReportTest {
    @Test
    void aFigureIsGivenAsAMultipleOfEachReferenceInTheirOrder() {
        Map<String, Double> references = new LinkedHashMap<>();
        references.put("one Redis", 100_000.0);
        references.put("acks 0", 80_000.0);

        assertThat(Report.multiples(68_000, references)).isEqualTo("0.68x one Redis, 0.85x acks 0");
    }

    @Test
    void aReferenceWhosePhaseDidNotRunIsLeftOut() {
        Map<String, Double> references = new LinkedHashMap<>();
        references.put("one Redis", Double.NaN);
        references.put("acks 0", 50_000.0);
        references.put("nothing", 0.0);

        assertThat(Report.multiples(55_000, references)).isEqualTo("1.10x acks 0");
        assertThat(Report.multiples(55_000, Map.of("one Redis", Double.NaN))).isEmpty();
    }
}
