package io.turboserve.api.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LastStartedTest {
    private static String invalid() {
        throw new IllegalArgumentException("pid: devices must be at least 1, got -1");
    }

    @Test
    void anInvalidConfigurationStartsWithTheLastStartedOneOrTheFallbackOrIsRefused() {
        LastStarted<String> last = new LastStarted<>("the executor");
        assertThrows(IllegalArgumentException.class, () -> last.settle(LastStartedTest::invalid, null),
                "nothing started yet and no fallback: refused");
        assertEquals("defaults", last.settle(LastStartedTest::invalid, () -> "defaults"));
        assertEquals("three devices", last.settle(() -> "three devices", () -> "defaults"));
        assertEquals("three devices", last.settle(LastStartedTest::invalid, () -> "defaults"),
                "the last one started, not the fallback");
        assertEquals("three devices", last.settle(LastStartedTest::invalid, null));
    }
}
