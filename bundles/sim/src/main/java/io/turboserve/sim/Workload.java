package io.turboserve.sim;

import java.util.List;
import java.util.Objects;

/**
 * A workload the simulator replays: lifecycle events ordered by (time, sequence) and how long the
 * run lasts. At {@code durationNanos} the simulation closes every session still open.
 *
 * @param name          a short name for reports
 * @param description   where it comes from and how it was transformed
 * @param durationNanos the length of the run
 * @param events        the events, sorted by (time, sequence), none after the duration
 */
public record Workload(String name, String description, long durationNanos, List<TraceEvent> events) {
    public Workload {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        events = List.copyOf(events);
        if (durationNanos <= 0) {
            throw new IllegalArgumentException("workload duration must be positive, got " + durationNanos);
        }
        TraceEvent previous = null;
        for (TraceEvent e : events) {
            if (previous != null && (e.timeNanos() < previous.timeNanos()
                    || (e.timeNanos() == previous.timeNanos() && e.sequence() <= previous.sequence()))) {
                throw new IllegalArgumentException("workload " + name + ": events out of (time, sequence) order at "
                        + e + " after " + previous);
            }
            previous = e;
        }
        if (previous != null && previous.timeNanos() > durationNanos) {
            throw new IllegalArgumentException("workload " + name + ": event at " + previous.timeNanos()
                    + " ns is after the duration " + durationNanos + " ns");
        }
    }

    /** @return the number of sessions that arrive. */
    public int sessions() {
        int n = 0;
        for (TraceEvent e : events) {
            if (e.type() == TraceEvent.Type.SESSION_ARRIVAL) {
                n++;
            }
        }
        return n;
    }
}
