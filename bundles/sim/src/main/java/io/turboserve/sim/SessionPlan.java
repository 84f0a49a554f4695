package io.turboserve.sim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * One generated session's life relative to its arrival: the user is active on arrival or not, then
 * toggles between active and idle at {@code toggles}, and departs at {@code departure}. The
 * generators build plans with a fixed shape and search only over arrival times (rate or time
 * compression), so a plan's active intervals are computed once and shifted.
 *
 * @param id              session id
 * @param user            user id
 * @param arrival         arrival time (absolute nanos); set by the generator's time mapping
 * @param activeOnArrival whether the first period is active
 * @param toggles         strictly increasing offsets (> 0) from arrival where active and idle swap
 * @param departure       offset of the departure, after the last toggle
 */
record SessionPlan(String id, String user, long arrival, boolean activeOnArrival, long[] toggles, long departure) {

    SessionPlan withArrival(long at) {
        return new SessionPlan(id, user, at, activeOnArrival, toggles, departure);
    }

    /** Adds this plan's active intervals, clipped to [0, end), to {@code into}. */
    void activeIntervals(long end, Intervals into) {
        boolean active = activeOnArrival;
        long from = 0;
        for (int i = 0; i <= toggles.length; i++) {
            long to = i < toggles.length ? toggles[i] : departure;
            if (active) {
                into.add(arrival + from, arrival + to, end);
            }
            active = !active;
            from = to;
        }
    }

    /**
     * Builds a workload from plans: events at or after {@code duration} are dropped (the simulation
     * closes what is open at the end). Ties in time are broken by plan order, then event order.
     */
    static Workload toWorkload(String name, String description, long duration, List<SessionPlan> plans) {
        record Pending(long time, int plan, int order, TraceEvent.Type type, boolean activeOnArrival) {
        }
        List<Pending> pending = new ArrayList<>();
        for (int p = 0; p < plans.size(); p++) {
            SessionPlan s = plans.get(p);
            if (s.arrival >= duration) {
                continue;
            }
            pending.add(new Pending(s.arrival, p, 0, TraceEvent.Type.SESSION_ARRIVAL, s.activeOnArrival));
            boolean active = s.activeOnArrival;
            for (int i = 0; i < s.toggles.length; i++) {
                active = !active;
                long t = s.arrival + s.toggles[i];
                if (t < duration) {
                    pending.add(new Pending(t, p, i + 1, active ? TraceEvent.Type.USER_ACTIVE : TraceEvent.Type.USER_IDLE,
                            false));
                }
            }
            long t = s.arrival + s.departure;
            if (t < duration) {
                pending.add(new Pending(t, p, s.toggles.length + 1, TraceEvent.Type.SESSION_DEPARTURE, false));
            }
        }
        pending.sort(Comparator.comparingLong(Pending::time).thenComparingInt(Pending::plan)
                .thenComparingInt(Pending::order));
        List<TraceEvent> events = new ArrayList<>(pending.size());
        long seq = 0;
        for (Pending e : pending) {
            SessionPlan s = plans.get(e.plan);
            events.add(new TraceEvent(e.time, seq++, e.type, s.id, s.user, e.activeOnArrival));
        }
        return new Workload(name, description, duration, events);
    }

    /** A growable set of [start, end) intervals and the most that overlap at once. */
    static final class Intervals {
        private long[] starts = new long[1024];
        private long[] ends = new long[1024];
        private int size;

        void clear() {
            size = 0;
        }

        /** Adds [start, end) clipped to before {@code limit}; empty intervals are skipped. */
        void add(long start, long end, long limit) {
            long e = Math.min(end, limit);
            if (start >= e) {
                return;
            }
            if (size == starts.length) {
                starts = Arrays.copyOf(starts, size * 2);
                ends = Arrays.copyOf(ends, size * 2);
            }
            starts[size] = start;
            ends[size] = e;
            size++;
        }

        /**
         * Sweep: sort the starts and the ends, walk both; at equal times an end goes first, so that
         * back-to-back intervals do not count as overlapping.
         */
        int peak() {
            long[] s = Arrays.copyOf(starts, size);
            long[] e = Arrays.copyOf(ends, size);
            Arrays.sort(s);
            Arrays.sort(e);
            int i = 0;
            int j = 0;
            int now = 0;
            int peak = 0;
            while (i < size) {
                if (e[j] <= s[i]) {
                    now--;
                    j++;
                } else {
                    now++;
                    i++;
                    peak = Math.max(peak, now);
                }
            }
            return peak;
        }
    }
}
