package io.killkrill.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

/**
 * Renamed settings keep their old name as a deprecated alias (issue 14): the old name is read when the new one is
 * unset, with a warning naming both; when both are set the new one wins and the old one is reported as ignored.
 */
class DeprecatedAliasTest {
    static final ConfigDef DEFINITION = ConfigDef.of("test", CommonSettings.ALL)
            .withDeprecatedAlias(CommonSettings.SHUTDOWN_GRACE, "KILLKRILL_TEST_SHUTDOWN_GRACE");

    @Test
    void theOldNameIsReadWithAWarningWhenTheNewOneIsUnset() {
        Config config = DEFINITION.parse(Map.of("KILLKRILL_TEST_SHUTDOWN_GRACE", "3s"));

        assertThat(config.get(CommonSettings.SHUTDOWN_GRACE)).isEqualTo(Duration.ofSeconds(3));
        assertThat(config.warnings()).containsExactly(
                "KILLKRILL_TEST_SHUTDOWN_GRACE is deprecated: rename it to KILLKRILL_SHUTDOWN_GRACE");
        assertThat(config.describe()).contains("KILLKRILL_SHUTDOWN_GRACE=3s");
    }

    @Test
    void theNewNameWinsAndTheOldOneIsReportedIgnored() {
        Config config = DEFINITION.parse(Map.of("KILLKRILL_TEST_SHUTDOWN_GRACE", "3s", "KILLKRILL_SHUTDOWN_GRACE", "7s"));

        assertThat(config.get(CommonSettings.SHUTDOWN_GRACE)).isEqualTo(Duration.ofSeconds(7));
        assertThat(config.warnings()).singleElement().asString().contains("ignored");
    }

    @Test
    void aBadValueUnderTheOldNameIsAConfigurationError() {
        assertThatThrownBy(() -> DEFINITION.parse(Map.of("KILLKRILL_TEST_SHUTDOWN_GRACE", "soon")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("KILLKRILL_SHUTDOWN_GRACE='soon'");
    }

    @Test
    void withoutTheOldNameNothingIsWarned() {
        assertThat(DEFINITION.parse(Map.of()).warnings()).isEmpty();
        assertThat(DEFINITION.toMarkdown()).contains("Deprecated alias: `KILLKRILL_TEST_SHUTDOWN_GRACE`.");
    }

    @Test
    void theDeprecatedNamesAreListedWithTheirSetting() {
        assertThat(DEFINITION.deprecatedNames())
                .containsExactly(entry("KILLKRILL_TEST_SHUTDOWN_GRACE", "KILLKRILL_SHUTDOWN_GRACE"));
        assertThat(ConfigDef.of("test", CommonSettings.ALL).deprecatedNames()).isEmpty();
    }
}
