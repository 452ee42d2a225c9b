package io.killkrill.stream;

import redis.clients.jedis.resps.StreamPendingEntry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The delivery limit: what a redelivery does with pending entries, by how often each was delivered before (its
 * XPENDING delivery count). One delivered {@code maxDeliveries} times or more is {@link #exhausted} (dead-lettered
 * {@code max_deliveries_exceeded} inside Redis, its payload never loaded again); one delivered at most once goes
 * back with the others delivered {@link #once} (its worker died, or an entry of its batch failed); one delivered
 * more often is a {@link #suspects suspect} and goes alone, so that it cannot take others down with it.
 *
 * @param deliveries each entry's delivery count before this redelivery
 */
record Redelivery(List<String> exhausted, List<String> once, List<String> suspects, Map<String, Long> deliveries) {
    Redelivery {
        exhausted = List.copyOf(exhausted);
        once = List.copyOf(once);
        suspects = List.copyOf(suspects);
        deliveries = Map.copyOf(deliveries);
    }

    static Redelivery of(List<StreamPendingEntry> pending, int maxDeliveries) {
        List<String> exhausted = new ArrayList<>();
        List<String> once = new ArrayList<>();
        List<String> suspects = new ArrayList<>();
        Map<String, Long> deliveries = new HashMap<>();
        for (StreamPendingEntry entry : pending) {
            String id = entry.getID().toString();
            deliveries.put(id, entry.getDeliveredTimes());
            if (entry.getDeliveredTimes() >= maxDeliveries) {
                exhausted.add(id);
            } else if (entry.getDeliveredTimes() <= 1) {
                once.add(id);
            } else {
                suspects.add(id);
            }
        }
        return new Redelivery(exhausted, once, suspects, deliveries);
    }
}
