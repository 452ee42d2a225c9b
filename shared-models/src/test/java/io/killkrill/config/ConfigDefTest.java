package io.killkrill.config;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigDefTest {
    static final Setting<Integer> PORT = Setting.of("KILLKRILL_TEST_PORT", SettingType.port(), "8080", "port");
    static final Setting<Duration> IDLE = Setting.of("KILLKRILL_TEST_IDLE", SettingType.duration(
            Duration.ofMillis(1), Duration.ofHours(1)), "30s", "idle");
    static final Setting<Long> SIZE = Setting.of("KILLKRILL_TEST_SIZE", SettingType.bytes(1, 1L << 30), "10MiB",
            "size");
    static final Setting<String> PASSWORD = Setting.of("KILLKRILL_TEST_PASSWORD", SettingType.string(), "changeme",
            "password").asSecret();
    static final Setting<List<String>> KEYS = Setting.optional("KILLKRILL_TEST_KEYS", SettingType.list(), "keys");
    static final ConfigDef DEFINITION = ConfigDef.of("test", CommonSettings.ALL, PORT, IDLE, SIZE, PASSWORD, KEYS);

    @Test
    void defaultsApplyWhenNothingIsSet() {
        Config config = DEFINITION.parse(Map.of());

        assertThat(config.get(CommonSettings.REDIS_URL)).isEqualTo(URI.create("redis://localhost:6379"));
        assertThat(config.get(PORT)).isEqualTo(8080);
        assertThat(config.get(IDLE)).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.get(SIZE)).isEqualTo(10L * 1024 * 1024);
        assertThat(config.optional(KEYS)).isEmpty();
        assertThat(CommonSettings.streamNames(config)).isEqualTo(StreamNames.defaults());
    }

    @Test
    void valuesAreParsed() {
        Config config = DEFINITION.parse(Map.of("KILLKRILL_TEST_PORT", "9000", "KILLKRILL_TEST_IDLE", "250ms",
                "KILLKRILL_TEST_SIZE", "64KiB", "KILLKRILL_TEST_KEYS", "a, b,,c",
                "KILLKRILL_REDIS_URL", "rediss://:pw@redis.internal:6380/2"));

        assertThat(config.get(PORT)).isEqualTo(9000);
        assertThat(config.get(IDLE)).isEqualTo(Duration.ofMillis(250));
        assertThat(config.get(SIZE)).isEqualTo(65536L);
        assertThat(config.optional(KEYS)).contains(List.of("a", "b", "c"));
        assertThat(config.get(CommonSettings.REDIS_URL).getHost()).isEqualTo("redis.internal");
    }

    @Test
    void everyProblemIsReportedNamingItsVariable() {
        assertThatThrownBy(() -> DEFINITION.parse(Map.of("KILLKRILL_REDIS_URL", "localhost:6379",
                "KILLKRILL_TEST_PORT", "99999", "KILLKRILL_TEST_IDLE", "soon", "KILLKRILL_LOG_FORMAT", "xml")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .hasSize(4)
                        .anySatisfy(p -> assertThat(p).startsWith("KILLKRILL_REDIS_URL").contains("redis://"))
                        .anySatisfy(p -> assertThat(p).startsWith("KILLKRILL_TEST_PORT").contains("1 to 65535"))
                        .anySatisfy(p -> assertThat(p).startsWith("KILLKRILL_TEST_IDLE").contains("duration"))
                        .anySatisfy(p -> assertThat(p).startsWith("KILLKRILL_LOG_FORMAT").contains("plain or json")));
    }

    @Test
    void logFormatIsExactlyTheAppenderName() {
        assertThat(DEFINITION.parse(Map.of("KILLKRILL_LOG_FORMAT", "json")).get(CommonSettings.LOG_FORMAT))
                .isEqualTo(CommonSettings.LogFormat.JSON);
        assertThatThrownBy(() -> DEFINITION.parse(Map.of("KILLKRILL_LOG_FORMAT", "JSON")))
                .hasMessageContaining("KILLKRILL_LOG_FORMAT='JSON'");
    }

    @Test
    void secretsAndUrlPasswordsAreMaskedWhenDescribed() {
        Config config = DEFINITION.parse(Map.of("KILLKRILL_TEST_PASSWORD", "hunter2",
                "KILLKRILL_REDIS_URL", "redis://user:s3cret@redis:6379"));

        String description = config.describe();

        assertThat(description).contains("KILLKRILL_TEST_PASSWORD=****", "redis://user:****@redis:6379")
                .doesNotContain("hunter2", "s3cret");
    }

    @Test
    void badSecretsAreNotEchoedInErrors() {
        Setting<Integer> secretNumber = Setting.of("KILLKRILL_TEST_PIN", SettingType.integer(0, 9), "1", "pin")
                .asSecret();
        assertThatThrownBy(() -> ConfigDef.of("t", List.of(), secretNumber).parse(Map.of("KILLKRILL_TEST_PIN", "1234")))
                .hasMessageContaining("KILLKRILL_TEST_PIN='****'").hasMessageNotContaining("1234");
    }

    @Test
    void aDefaultMustBeValidAndKeysAreKillkrillUpperCase() {
        assertThatThrownBy(() -> Setting.of("KILLKRILL_X", SettingType.port(), "0", "bad default"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Setting.of("REDIS_URL", SettingType.string(), "x", "no prefix"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ConfigDef.of("t", List.of(PORT), PORT))
                .hasMessageContaining("declared twice");
    }

    @Test
    void aConfigFileIsReadUnderTheEnvironment() throws Exception {
        Path file = Files.createTempFile("killkrill", ".properties");
        Files.writeString(file, "KILLKRILL_TEST_PORT=7000\nKILLKRILL_TEST_IDLE=5s\n");

        Config config = DEFINITION.parse(Environment.load(Map.of(Environment.CONFIG_FILE, file.toString(),
                "KILLKRILL_TEST_IDLE", "7s", "PATH", "/usr/bin")));

        assertThat(config.get(PORT)).isEqualTo(7000);
        assertThat(config.get(IDLE)).isEqualTo(Duration.ofSeconds(7));
        assertThatThrownBy(() -> Environment.load(Map.of(Environment.CONFIG_FILE, "/nonexistent.properties")))
                .hasMessageContaining(Environment.CONFIG_FILE);
    }

    @Test
    void markdownListsEverySetting() {
        String markdown = DEFINITION.toMarkdown();
        for (Setting<?> setting : DEFINITION.settings()) {
            assertThat(markdown).contains("`" + setting.key() + "`");
        }
        assertThat(markdown).contains("Secret: never logged.");
    }
}
