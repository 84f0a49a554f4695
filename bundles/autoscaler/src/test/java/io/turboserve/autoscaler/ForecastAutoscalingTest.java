package io.turboserve.autoscaler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turboserve.api.policy.PolicyState;
import io.turboserve.api.policy.ScalingResult;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ForecastAutoscalingTest {
    private final ForecastAutoscaling packing = new ForecastAutoscaling(ForecastAutoscaling.Settings.defaults());

    private static ScalingResult scale(ForecastAutoscaling p, int active, long second, PolicyState s) {
        return p.scale(Snapshots.active(active).atSeconds(second).build(), m -> 0, s);
    }

    @Test
    void withoutAColdStartItPacksToCapacity() {
        // M = ⌈N/K⌉: 0 → bounds.min 1, 8 → 2, 9 → 3, 36 → 9 (TurboServe at ρ̂ 0.9 asks for 10).
        assertEquals(1, scale(packing, 0, 0, PolicyState.NONE).targetBudget());
        assertEquals(2, scale(packing, 8, 0, PolicyState.NONE).targetBudget());
        assertEquals(3, scale(packing, 9, 0, PolicyState.NONE).targetBudget());
        assertEquals(9, scale(packing, 36, 0, PolicyState.NONE).targetBudget());
    }

    @Test
    void aColdStartBuysHeadroomForTheLargestRiseSeenWithinIt() {
        var p = new ForecastAutoscaling(ForecastAutoscaling.Settings.defaults().withColdStart(Duration.ofSeconds(30)));
        // Active sessions go 4 → 12 within 20 s (a rise of 8 inside one 30 s cold start; the trend,
        // +8 in 20 s, carried 30 s ahead is +12): M = ⌈(12 + 12) / 4⌉ = 6 instead of ⌈12/4⌉ = 3.
        PolicyState s = PolicyState.NONE;
        s = scale(p, 4, 100, s).next();
        s = scale(p, 8, 110, s).next();
        ScalingResult r = scale(p, 12, 120, s);
        assertEquals(6, r.targetBudget());
        assertTrue(r.reason().contains("rise of 12"), r.reason());
        // Flat at 12 for 30 s: no trend, the rise of 8 within the history remains: ⌈(12 + 8) / 4⌉ = 5.
        ScalingResult flat = scale(p, 12, 151, r.next());
        assertEquals(5, flat.targetBudget());
        // 130 s later the rise has left the 90 s history: back to packing.
        ScalingResult later = scale(p, 12, 250, r.next());
        assertEquals(3, later.targetBudget());
    }

    @Test
    void aRiseSlowerThanTheColdStartBuysLessHeadroom() {
        var p = new ForecastAutoscaling(ForecastAutoscaling.Settings.defaults().withColdStart(Duration.ofSeconds(10)));
        // +1 session every 10 s from 4 to 8: within any 10 s window the rise is 1: M = ⌈(8+1)/4⌉ = 3.
        PolicyState s = PolicyState.NONE;
        ScalingResult r = null;
        for (int i = 0; i <= 4; i++) {
            r = scale(p, 4 + i, 100 + 10L * i, s);
            s = r.next();
        }
        assertEquals(3, r.targetBudget());
    }

    @Test
    void settingsAreValidated() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new ForecastAutoscaling.Settings(Duration.ZERO, Duration.ofSeconds(1), 1.5));
        assertEquals("io.turboserve.autoscaler.forecast: utilisation must be in (0, 1], got 1.5", e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new ForecastAutoscaling.Settings(Duration.ofSeconds(30), Duration.ofSeconds(10), 1.0));
    }

    @Test
    void itHoldsAGpuNoLongerThanItTakesToGetOneBack() {
        Duration configured = Duration.ofSeconds(5);
        // no cold start: one tick filters the dips the mechanisms cause; the operator's 5 s would only pay idle GPUs
        assertEquals(Duration.ofSeconds(1), packing.scaleInHold(configured));
        // a 30 s cold start: holding is cheaper than getting a GPU back, up to the operator's hold
        var cold = new ForecastAutoscaling(ForecastAutoscaling.Settings.defaults().withColdStart(Duration.ofSeconds(30)));
        assertEquals(configured, cold.scaleInHold(configured));
        var short_ = new ForecastAutoscaling(ForecastAutoscaling.Settings.defaults().withColdStart(Duration.ofSeconds(3)));
        assertEquals(Duration.ofSeconds(3), short_.scaleInHold(configured));
        // never longer than the operator's hold
        assertEquals(Duration.ofMillis(500), packing.scaleInHold(Duration.ofMillis(500)));
        assertThrows(IllegalArgumentException.class, () -> new ForecastAutoscaling.Settings(Duration.ZERO,
                Duration.ofSeconds(120), 1.0, Duration.ofSeconds(-1)));
    }

    @Test
    void aRisingTrendIsBoughtForBeforeTheHistoryHoldsABurst() {
        var p = new ForecastAutoscaling(ForecastAutoscaling.Settings.defaults().withColdStart(Duration.ofSeconds(30)));
        // A first ramp: 0 → 6 active over 30 s. The largest rise within one cold start is 6; the
        // trend over the last 30 s carried 30 s ahead is also 6: M = ⌈(6 + 6) / 4⌉ = 3.
        PolicyState s = PolicyState.NONE;
        for (int t = 0; t <= 30; t += 5) {
            s = scale(p, t / 5, 1000 + t, s).next();
        }
        ScalingResult r = scale(p, 6, 1030, s);
        assertEquals(3, r.targetBudget());
        // Flat demand for 30 s: no trend; the ramp still counts as a rise within the history.
        PolicyState flat = r.next();
        for (int t = 35; t <= 60; t += 5) {
            flat = scale(p, 6, 1000 + t, flat).next();
        }
        assertEquals(3, scale(p, 6, 1060, flat).targetBudget());
    }

    @Test
    void theTrendOfTheLastColdStartIsCarriedAhead() {
        ForecastAutoscaling.History h = ForecastAutoscaling.History.EMPTY;
        for (int t = 0; t <= 10; t++) {
            h = h.record(t, 2 * t, 120);
        }
        // +20 over 10 s, carried 30 s ahead: 60; over the last 5 s only: +10 in 5 s → 60 as well
        assertEquals(60, h.trendRise(10, 30));
        assertEquals(60, h.trendRise(5, 30));
        assertEquals(0, ForecastAutoscaling.History.EMPTY.trendRise(10, 30));
        ForecastAutoscaling.History falling = ForecastAutoscaling.History.EMPTY.record(0, 10, 120).record(5, 4, 120);
        assertEquals(0, falling.trendRise(10, 30));
    }
}
