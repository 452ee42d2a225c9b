package io.killkrill.stream;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LuaScriptsTest {
    @Test
    void aScriptIsTheWholeTextOfTheResourceNextToItsClass() throws IOException {
        String expected;
        try (InputStream in = Settlement.class.getResourceAsStream("settle.lua")) {
            expected = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }

        assertThat(LuaScripts.load(Settlement.class, "settle.lua")).isEqualTo(expected).contains("XACK");
    }

    @Test
    void aMissingScriptIsABrokenBuildSaidAtOnce() {
        assertThatThrownBy(() -> LuaScripts.load(Settlement.class, "no-such.lua"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("missing script no-such.lua next to io.killkrill.stream.Settlement");
    }
}
