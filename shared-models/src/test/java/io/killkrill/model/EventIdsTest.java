package io.killkrill.model;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class EventIdsTest {

    @Test
    void idsAreUuidV7UniqueAndTimeOrdered() {
        List<String> ids = new ArrayList<>();
        long before = System.currentTimeMillis();
        for (int i = 0; i < 10_000; i++) {
            ids.add(EventIds.next());
        }
        long after = System.currentTimeMillis();

        assertThat(ids).allMatch(EventIds::isValid);
        assertThat(new HashSet<>(ids)).hasSize(ids.size());
        assertThat(ids).isSorted();
        assertThat(EventIds.epochMillis(ids.get(0))).isBetween(before, after);
    }

    @Test
    void otherUuidVersionsAreNotEventIds() {
        assertThat(EventIds.isValid("0b6c1f8e-4c4e-4d8e-9f4a-1b2c3d4e5f60")).isFalse();
        assertThat(EventIds.isValid("not-a-uuid")).isFalse();
    }
}
