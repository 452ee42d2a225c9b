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

    /** A client's own key and an event time give the same UUIDv7 every time, with that time; another key another. */
    @Test
    void aDerivedIdIsAUuidV7OfTheTimeAndTheSameForTheSameKey() {
        long time = 1_796_000_000_123L;
        String id = EventIds.derived("app/fb-1", time);
        assertThat(id).matches(EventIds::isValid).isEqualTo(EventIds.derived("app/fb-1", time));
        assertThat(EventIds.epochMillis(id)).isEqualTo(time);
        assertThat(EventIds.derived("app/fb-2", time)).isNotEqualTo(id).matches(EventIds::isValid);
        assertThat(EventIds.derived("app/fb-1", time + 1)).isNotEqualTo(id);
    }

    @Test
    void otherUuidVersionsAreNotEventIds() {
        assertThat(EventIds.isValid("0b6c1f8e-4c4e-4d8e-9f4a-1b2c3d4e5f60")).isFalse();
        assertThat(EventIds.isValid("not-a-uuid")).isFalse();
    }
}
