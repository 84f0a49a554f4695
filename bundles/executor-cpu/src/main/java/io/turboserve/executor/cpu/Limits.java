package io.turboserve.executor.cpu;

/** Configuration checks shared by both executors; each throws a message naming the property. */
final class Limits {
    /** More workers than any single executor instance is meant to stand in for. */
    static final int MAX_DEVICES = 4096;
    static final int MAX_SESSIONS = 65536;

    private Limits() {
    }

    static void range(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", got " + value);
        }
    }

    static void positive(String name, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(name + " must be a positive finite number, got " + value);
        }
    }

    static void nonNegative(String name, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(name + " must be a finite number ≥ 0, got " + value);
        }
    }

    /**
     * @param configured {@code deviceMemoryBytes} as configured: 0 means room for exactly
     *                   {@code sessions} states
     * @return the memory budget per device
     */
    static long deviceMemory(long configured, int sessions, long stateBytes) {
        if (configured < 0) {
            throw new IllegalArgumentException("deviceMemoryBytes must be ≥ 0 (0: sessionsPerDevice states), got "
                    + configured);
        }
        if (configured == 0) {
            if (stateBytes > Long.MAX_VALUE / sessions) {
                throw new IllegalArgumentException("sessionsPerDevice × state size overflows: " + sessions + " × "
                        + stateBytes);
            }
            return sessions * stateBytes;
        }
        if (configured < stateBytes) {
            throw new IllegalArgumentException("deviceMemoryBytes " + configured
                    + " cannot hold even one state of " + stateBytes + " bytes");
        }
        return configured;
    }
}
