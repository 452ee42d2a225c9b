package io.killkrill.it.contracts;

import io.killkrill.it.support.TestServices;
import io.killkrill.model.DeadLetterReason;
import io.killkrill.model.LogEventCodec;
import io.killkrill.model.MetricSampleCodec;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/contract.md documents every dead-letter reason the code can produce, with its meaning, and every limit of
 * the stored form (each public {@code MAX_}/{@code MIN_} constant of the codecs) with its value.
 */
class ContractDocTest {

    @Test
    void everyDeadLetterReasonIsDocumented() throws IOException {
        String doc = Files.readString(TestServices.repoRoot().resolve("docs/contract.md"));

        for (DeadLetterReason reason : DeadLetterReason.values()) {
            assertThat(doc).as("docs/contract.md row for %s", reason)
                    .contains("| `" + reason.code() + "` | " + reason.description() + " |");
        }
    }

    @Test
    void everyLimitOfTheStoredFormIsDocumentedWithItsValue() throws Exception {
        String doc = Files.readString(TestServices.repoRoot().resolve("docs/contract.md"));
        List<String> rows = limitRows();

        assertThat(rows).as("limit constants found").hasSizeGreaterThanOrEqualTo(20);
        for (String row : rows) {
            assertThat(doc).as("docs/contract.md, section 'Limits of the stored form'").contains(row);
        }
    }

    /** {@code | `Class.FIELD` | value |} for each public static final MAX_/MIN_ constant of the codecs. */
    static List<String> limitRows() throws IllegalAccessException {
        List<String> rows = new ArrayList<>();
        for (Class<?> codec : List.of(MetricSampleCodec.class, LogEventCodec.class)) {
            for (Field field : codec.getDeclaredFields()) {
                int modifiers = field.getModifiers();
                if (Modifier.isPublic(modifiers) && Modifier.isStatic(modifiers) && Modifier.isFinal(modifiers)
                        && (field.getName().startsWith("MAX_") || field.getName().startsWith("MIN_"))) {
                    rows.add("| `" + codec.getSimpleName() + "." + field.getName() + "` | " + field.get(null) + " |");
                }
            }
        }
        return rows;
    }
}
