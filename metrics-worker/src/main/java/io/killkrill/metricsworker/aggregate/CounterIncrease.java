package io.killkrill.metricsworker.aggregate;

/**
 * The one rule for the increase of a cumulative counter between two of its samples: the difference, or, when
 * the later value is below the earlier one (the counter was reset, e.g. its process restarted), the later value
 * itself, since it counted up from zero (the rule of Prometheus' {@code increase()}).
 */
public final class CounterIncrease {
    private CounterIncrease() {
    }

    public static double between(double earlier, double later) {
        return later >= earlier ? later - earlier : later;
    }
}
