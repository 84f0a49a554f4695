package io.turboserve.management;

/** Nanoseconds to fractional milliseconds for display, keeping "no value" (negative) as -1. */
final class Millis {
    private Millis() {
    }

    static double of(long nanos) {
        return nanos < 0 ? -1.0 : nanos / 1_000_000.0;
    }
}
