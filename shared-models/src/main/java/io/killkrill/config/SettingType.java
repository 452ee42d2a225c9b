package io.killkrill.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How one setting's text becomes a value. {@link #parse} throws {@link IllegalArgumentException} with a short
 * reason; {@link #expects()} says in words what a valid value looks like.
 */
public interface SettingType<T> {

    T parse(String text);

    String expects();

    static SettingType<String> string() {
        return of("a non-empty string", text -> {
            if (text.isBlank()) {
                throw new IllegalArgumentException("is empty");
            }
            return text;
        });
    }

    static SettingType<String> matching(String pattern, String description) {
        Pattern compiled = Pattern.compile(pattern);
        return of(description, text -> {
            if (!compiled.matcher(text).matches()) {
                throw new IllegalArgumentException("does not match " + pattern);
            }
            return text;
        });
    }

    static SettingType<Integer> integer(int min, int max) {
        return of("an integer from " + min + " to " + max, text -> {
            int value;
            try {
                value = Integer.parseInt(text.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("is not an integer");
            }
            if (value < min || value > max) {
                throw new IllegalArgumentException("is out of range");
            }
            return value;
        });
    }

    static SettingType<Integer> port() {
        return integer(1, 65535);
    }

    static SettingType<Boolean> bool() {
        return of("true or false", text -> switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1", "on" -> true;
            case "false", "no", "0", "off" -> false;
            default -> throw new IllegalArgumentException("is not a boolean");
        });
    }

    /** A duration: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, or ISO-8601 ({@code PT30S}). */
    static SettingType<Duration> duration(Duration min, Duration max) {
        Pattern simple = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
        return of("a duration such as 500ms, 30s, 5m or 1h (from " + min + " to " + max + ")", text -> {
            String trimmed = text.trim().toLowerCase(Locale.ROOT);
            Duration value;
            Matcher m = simple.matcher(trimmed);
            if (m.matches()) {
                long amount = Long.parseLong(m.group(1));
                value = switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(amount);
                    case "s" -> Duration.ofSeconds(amount);
                    case "m" -> Duration.ofMinutes(amount);
                    case "h" -> Duration.ofHours(amount);
                    default -> Duration.ofDays(amount);
                };
            } else {
                try {
                    value = Duration.parse(text.trim().toUpperCase(Locale.ROOT));
                } catch (DateTimeParseException e) {
                    throw new IllegalArgumentException("is not a duration");
                }
            }
            if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                throw new IllegalArgumentException("is out of range");
            }
            return value;
        });
    }

    /** A size in bytes: {@code 65536}, {@code 64KiB}, {@code 10MiB}, {@code 1GiB}. */
    static SettingType<Long> bytes(long min, long max) {
        Pattern size = Pattern.compile("(\\d+)\\s*(b|kib|kb|k|mib|mb|m|gib|gb|g)?");
        return of("a size in bytes such as 65536, 64KiB or 10MiB (from " + min + " to " + max + " bytes)", text -> {
            Matcher m = size.matcher(text.trim().toLowerCase(Locale.ROOT));
            if (!m.matches()) {
                throw new IllegalArgumentException("is not a size");
            }
            long multiplier = switch (m.group(2) == null ? "b" : m.group(2)) {
                case "kib", "kb", "k" -> 1024L;
                case "mib", "mb", "m" -> 1024L * 1024;
                case "gib", "gb", "g" -> 1024L * 1024 * 1024;
                default -> 1L;
            };
            long value;
            try {
                value = Math.multiplyExact(Long.parseLong(m.group(1)), multiplier);
            } catch (ArithmeticException | NumberFormatException e) {
                throw new IllegalArgumentException("is too large");
            }
            if (value < min || value > max) {
                throw new IllegalArgumentException("is out of range");
            }
            return value;
        });
    }

    /** A URI with one of the given schemes and a host. */
    static SettingType<URI> uri(String... schemes) {
        List<String> allowed = Arrays.asList(schemes);
        String joined = String.join(" or ", allowed.stream().map(s -> s + "://").toList());
        return of("a " + joined + " URL with a host", text -> {
            URI uri;
            try {
                uri = new URI(text.trim());
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("is not a URL");
            }
            if (uri.getScheme() == null || !allowed.contains(uri.getScheme().toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("has the wrong scheme");
            }
            if (uri.getHost() == null) {
                throw new IllegalArgumentException("has no host");
            }
            return uri;
        });
    }

    /** A JDBC URL for PostgreSQL. */
    static SettingType<String> jdbcPostgres() {
        return of("a jdbc:postgresql://host[:port]/database URL", text -> {
            String trimmed = text.trim();
            if (!trimmed.startsWith("jdbc:postgresql://") || trimmed.length() <= "jdbc:postgresql://".length()) {
                throw new IllegalArgumentException("is not a jdbc:postgresql:// URL");
            }
            return trimmed;
        });
    }

    /** A comma-separated list; blanks between commas are dropped. */
    static SettingType<List<String>> list() {
        return of("a comma-separated list", text -> Arrays.stream(text.split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).toList());
    }

    /** A comma-separated list of {@code host:port}, at least one. */
    static SettingType<List<RedisEndpoint.Address>> hostPorts() {
        Pattern address = Pattern.compile("([^\\s:,]+):(\\d{1,5})");
        return of("a comma-separated list of host:port", text -> {
            List<RedisEndpoint.Address> addresses = new java.util.ArrayList<>();
            for (String item : text.split(",")) {
                String trimmed = item.trim();
                if (trimmed.isEmpty()) {
                    continue;
                }
                Matcher m = address.matcher(trimmed);
                int port = m.matches() ? Integer.parseInt(m.group(2)) : 0;
                if (port < 1 || port > 65535) {
                    throw new IllegalArgumentException("holds '" + trimmed + "', not a host:port");
                }
                addresses.add(new RedisEndpoint.Address(m.group(1), port));
            }
            if (addresses.isEmpty()) {
                throw new IllegalArgumentException("holds no host:port");
            }
            return List.copyOf(addresses);
        });
    }

    static <E extends Enum<E>> SettingType<E> oneOf(Class<E> type) {
        List<String> names = Arrays.stream(type.getEnumConstants())
                .map(e -> e.name().toLowerCase(Locale.ROOT)).toList();
        return of("one of " + String.join(", ", names), text -> {
            try {
                return Enum.valueOf(type, text.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("is not one of " + names);
            }
        });
    }

    static <T> SettingType<T> of(String expects, java.util.function.Function<String, T> parser) {
        return new SettingType<>() {
            @Override
            public T parse(String text) {
                return parser.apply(text);
            }

            @Override
            public String expects() {
                return expects;
            }
        };
    }
}
