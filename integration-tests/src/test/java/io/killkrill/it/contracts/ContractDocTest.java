package io.killkrill.it.contracts;

import io.killkrill.it.support.TestServices;
import io.killkrill.model.DeadLetterReason;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;

import static org.assertj.core.api.Assertions.assertThat;

/** docs/contract.md documents every dead-letter reason the code can produce, with its meaning. */
class ContractDocTest {

    @Test
    void everyDeadLetterReasonIsDocumented() throws IOException {
        String doc = Files.readString(TestServices.repoRoot().resolve("docs/contract.md"));

        for (DeadLetterReason reason : DeadLetterReason.values()) {
            assertThat(doc).as("docs/contract.md row for %s", reason)
                    .contains("| `" + reason.code() + "` | " + reason.description() + " |");
        }
    }
}
