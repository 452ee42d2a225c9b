package io.killkrill.model;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Pattern;

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

    /** The hand check accepts exactly what the contract's pattern matches, on IDs and IDs one character off. */
    @Test
    void isValidAgreesWithTheUuidV7Pattern() {
        Pattern uuidV7 = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
        SplittableRandom random = new SplittableRandom(7);
        String alphabet = "0123456789abcdefABCDEFgz-7 \u00e9";
        int valid = 0;
        for (int i = 0; i < 100_000; i++) {
            StringBuilder id = new StringBuilder(EventIds.next());
            switch (random.nextInt(4)) {
                case 0 -> id.setCharAt(random.nextInt(id.length()), alphabet.charAt(random.nextInt(alphabet.length())));
                case 1 -> id.deleteCharAt(random.nextInt(id.length()));
                case 2 -> id.insert(random.nextInt(id.length() + 1), alphabet.charAt(random.nextInt(alphabet.length())));
                default -> {
                }
            }
            String text = id.toString();
            assertThat(EventIds.isValid(text)).as(text).isEqualTo(uuidV7.matcher(text).matches());
            valid += EventIds.isValid(text) ? 1 : 0;
        }
        assertThat(valid).isBetween(25_000, 90_000);
    }

    @Test
    void otherUuidVersionsAreNotEventIds() {
        assertThat(EventIds.isValid("0b6c1f8e-4c4e-4d8e-9f4a-1b2c3d4e5f60")).isFalse();
        assertThat(EventIds.isValid("not-a-uuid")).isFalse();
    }
}
