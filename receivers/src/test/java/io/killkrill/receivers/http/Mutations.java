package io.killkrill.receivers.http;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Valid bodies with up to five elements set, deleted, inserted or the rest cut off: what the fuzz tests of the
 * body decoders feed them besides random bytes, so the fuzzing reaches past the first byte of the format.
 */
final class Mutations {
    private Mutations() {
    }

    /** Text bodies (as UTF-8) mutated character by character with {@code chars}. */
    static Arbitrary<byte[]> ofText(List<String> seeds, List<Character> chars) {
        return mutated(Arbitraries.of(seeds).map(Mutations::characters), Arbitraries.of(chars))
                .map(list -> {
                    StringBuilder s = new StringBuilder();
                    list.forEach(s::append);
                    return s.toString().getBytes(StandardCharsets.UTF_8);
                });
    }

    /** Binary bodies mutated byte by byte with any byte. */
    static Arbitrary<byte[]> ofBytes(List<byte[]> seeds) {
        return mutated(Arbitraries.of(seeds).map(Mutations::bytes), Arbitraries.bytes()).map(list -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            list.forEach(out::write);
            return out.toByteArray();
        });
    }

    private static <T> Arbitrary<List<T>> mutated(Arbitrary<List<T>> seeds, Arbitrary<T> elements) {
        return Combinators.combine(seeds, Arbitraries.integers().between(0, 3).list().ofMaxSize(5),
                        Arbitraries.integers().between(0, 10_000).list().ofMinSize(5).ofMaxSize(5),
                        elements.list().ofMinSize(5).ofMaxSize(5))
                .as((seed, ops, positions, values) -> {
                    List<T> s = new ArrayList<>(seed);
                    for (int i = 0; i < ops.size() && !s.isEmpty(); i++) {
                        int at = positions.get(i) % s.size();
                        switch (ops.get(i)) {
                            case 0 -> s.set(at, values.get(i));
                            case 1 -> s.remove(at);
                            case 2 -> s.add(at, values.get(i));
                            default -> s.subList(at, s.size()).clear();
                        }
                    }
                    return s;
                });
    }

    private static List<Character> characters(String text) {
        List<Character> chars = new ArrayList<>(text.length());
        for (char c : text.toCharArray()) {
            chars.add(c);
        }
        return chars;
    }

    private static List<Byte> bytes(byte[] body) {
        List<Byte> bytes = new ArrayList<>(body.length);
        for (byte b : body) {
            bytes.add(b);
        }
        return bytes;
    }
}
