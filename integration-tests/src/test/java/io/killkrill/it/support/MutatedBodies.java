package io.killkrill.it.support;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** Bodies for the endpoints' live fuzz tests: a valid body with bytes overwritten, drawn by jqwik. */
public final class MutatedBodies {
    private MutatedBodies() {
    }

    /** {@code valid} with 1 to 4 of its bytes overwritten by random ones. */
    public static Arbitrary<byte[]> overwritten(byte[] valid) {
        return Combinators.combine(Arbitraries.integers().between(0, valid.length - 1).list()
                        .ofMinSize(1).ofMaxSize(4), Arbitraries.bytes().list().ofMinSize(4).ofMaxSize(4))
                .as((positions, values) -> {
                    byte[] body = valid.clone();
                    for (int i = 0; i < positions.size(); i++) {
                        body[positions.get(i)] = values.get(i);
                    }
                    return body;
                });
    }
}
