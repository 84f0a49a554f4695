package io.turboserve.core.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ScaleInHoldTest {
    private static final long S = 1_000_000_000L;

    @Test
    void scalesOutAtOnce() {
        ScaleInHold h = new ScaleInHold(5 * S);
        assertEquals(6, h.apply(0, 6, 4));
    }

    @Test
    void scalesInOnlyAfterALowerBudgetSufficedForTheWholeHold() {
        ScaleInHold h = new ScaleInHold(5 * S);
        // target moves 3, 2, 3, 2 while the budget is 4: a lower budget (3) sufficed throughout,
        // so after 5 s it scales to the highest target seen in the hold, 3.
        assertEquals(4, h.apply(0, 3, 4));
        assertEquals(4, h.apply(1 * S, 2, 4));
        assertEquals(4, h.apply(2 * S, 3, 4));
        assertEquals(4, h.apply(4 * S, 2, 4));
        assertEquals(3, h.apply(5 * S, 2, 4));
    }

    @Test
    void aTargetBackAtTheBudgetRestartsTheHold() {
        ScaleInHold h = new ScaleInHold(5 * S);
        assertEquals(4, h.apply(0, 2, 4));
        assertEquals(4, h.apply(3 * S, 4, 4));
        assertEquals(4, h.apply(4 * S, 2, 4));
        assertEquals(4, h.apply(8 * S, 2, 4));
        assertEquals(2, h.apply(9 * S, 2, 4));
    }

    @Test
    void theHoldOfTheActivePolicyReplacesTheConfiguredOne() {
        ScaleInHold h = new ScaleInHold(5 * S);
        assertEquals(4, h.apply(0, 3, 4, 1 * S));
        assertEquals(3, h.apply(1 * S, 3, 4, 1 * S), "a 1 s hold is over after 1 s");
        assertEquals(4, h.apply(2 * S, 3, 4), "the configured 5 s hold restarts from here");
        assertEquals(4, h.apply(6 * S, 3, 4));
        assertEquals(3, h.apply(7 * S, 3, 4));
    }
}
