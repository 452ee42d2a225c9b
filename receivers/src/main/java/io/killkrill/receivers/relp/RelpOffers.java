package io.killkrill.receivers.relp;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The offers of an {@code open} command (RELP spec, "OFFERS"): one per line, {@code name[=value[,value...]]}.
 * The answer keeps what this server speaks: {@code relp_version} (the lower of the client's and ours),
 * {@code relp_software} and {@code commands=syslog}.
 */
record RelpOffers(Map<String, List<String>> offers) {
    /** librelp speaks version 0 (RELP_CURR_PROTOCOL_VERSION) and offers 0 and 1 alike. */
    static final int PROTOCOL_VERSION = 1;
    static final String SOFTWARE = "killkrill,1,https://github.com/killkrill/killkrill";

    /** The answer to an open: either the offers to send back after "200 OK", or a refusal. */
    sealed interface Answer {
        String text();
    }

    record Accepted(String text) implements Answer {
    }

    record Refused(String text) implements Answer {
    }

    static RelpOffers parse(byte[] data) {
        Map<String, List<String>> offers = new LinkedHashMap<>();
        for (String line : new String(data, StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            int eq = line.indexOf('=');
            String name = (eq < 0 ? line : line.substring(0, eq)).trim();
            List<String> values = eq < 0 || eq == line.length() - 1 ? List.of()
                    : Arrays.stream(line.substring(eq + 1).split(",")).map(String::trim).toList();
            offers.put(name, values);
        }
        return new RelpOffers(offers);
    }

    Answer answer() {
        List<String> version = offers.getOrDefault("relp_version", List.of());
        if (version.size() != 1 || !version.get(0).matches("[0-9]{1,9}")) {
            return new Refused("500 the open offers no numeric relp_version");
        }
        if (!offers.getOrDefault("commands", List.of()).contains("syslog")) {
            return new Refused("500 required command not supported by client: syslog");
        }
        int agreed = Math.min(Integer.parseInt(version.get(0)), PROTOCOL_VERSION);
        return new Accepted("200 OK\nrelp_version=" + agreed + "\nrelp_software=" + SOFTWARE + "\ncommands=syslog");
    }
}
