package io.turboserve.sim;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The workloads shipped with the simulator (loaded from the class path, never from outside the
 * repository) and the operations on any workload: peak counts and scaling to a cluster size.
 */
public final class Workloads {
    /** Class-path folder of the traces (with their attribution, README.md there). */
    public static final String TRACES = "/io/turboserve/sim/data/traces/";
    /** The TurboServe public demo trace: 30 min, 300 sessions, peak 16 alive and 12 active (4 GPUs × 4). */
    public static final String DEMO_TRACE = TRACES + "turboserve-public-demo-peak16.json";
    /** The Azure LLM code trace 2023 (Azure Public Dataset, CC-BY 4.0). */
    public static final String AZURE_CSV = TRACES + "azure-llm-2023-code.csv";

    /** The jitter bound of {@link #scaleTo}: copies move by at most this much either way. */
    public static final long SCALE_JITTER_NANOS = 10_000_000_000L;

    private Workloads() {
    }

    /** @return the TurboServe public demo trace (sized for 4 GPUs × 4 sessions). */
    public static Workload demoTrace() {
        try (Reader r = resource(DEMO_TRACE)) {
            return TurboServeTrace.parse("turboserve-public-demo-peak16", r);
        } catch (IOException e) {
            throw new UncheckedIOException("the bundled demo trace cannot be read", e);
        }
    }

    /** @return a reader over the bundled Azure CSV; the caller closes it. */
    public static Reader azureCsv() {
        return resource(AZURE_CSV);
    }

    /**
     * @return the Azure trace adapted to sessions with peak active ≈ {@code targetPeakActive}, over
     *         the trace's own span (57 min, no time compression)
     */
    public static Workload azure(long seed, int targetPeakActive) {
        return azure(seed, targetPeakActive, Long.MAX_VALUE);
    }

    /**
     * @return the Azure trace adapted to sessions with peak active ≈ {@code targetPeakActive}, its
     *         span mapped onto {@code durationNanos} ({@link AzureAdapter} documents the transform)
     */
    public static Workload azure(long seed, int targetPeakActive, long durationNanos) {
        try (Reader r = azureCsv()) {
            return AzureAdapter.read("azure-llm-2023-code.csv", r, seed, targetPeakActive, durationNanos);
        } catch (IOException e) {
            throw new UncheckedIOException("the bundled Azure trace cannot be read", e);
        }
    }

    /** @return the peak active count for a cluster: 0.8 × GPUs × K (DESIGN.md section 9), at least 1. */
    public static int targetPeakActive(int gpus, int sessionsPerGpu) {
        return Math.max(1, (int) Math.floor(0.8 * gpus * sessionsPerGpu));
    }

    static Reader resource(String name) {
        InputStream in = Workloads.class.getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException("missing class-path resource " + name);
        }
        return new InputStreamReader(in, StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- peaks

    /** @return the most sessions active at once, replaying the events in order. */
    public static int peakActive(Workload w) {
        Set<String> active = new HashSet<>();
        int peak = 0;
        for (TraceEvent e : w.events()) {
            switch (e.type()) {
                case SESSION_ARRIVAL, USER_ACTIVE -> {
                    if (e.activates()) {
                        active.add(e.sessionId());
                    }
                }
                case USER_IDLE, SESSION_DEPARTURE -> active.remove(e.sessionId());
            }
            peak = Math.max(peak, active.size());
        }
        return peak;
    }

    /** @return the most sessions alive (arrived, not departed) at once. */
    public static int peakAlive(Workload w) {
        Set<String> alive = new HashSet<>();
        int peak = 0;
        for (TraceEvent e : w.events()) {
            if (e.type() == TraceEvent.Type.SESSION_ARRIVAL) {
                alive.add(e.sessionId());
            } else if (e.type() == TraceEvent.Type.SESSION_DEPARTURE) {
                alive.remove(e.sessionId());
            }
            peak = Math.max(peak, alive.size());
        }
        return peak;
    }

    // ---------------------------------------------------------------- scaling

    /** {@link #scaleTo(Workload, int, long)} with a seed derived from the workload's name. */
    public static Workload scaleTo(Workload w, int targetPeakActive) {
        return scaleTo(w, targetPeakActive, w.name().hashCode());
    }

    /**
     * Scales a workload to a cluster by replicating its sessions.
     *
     * <p>Algorithm: copy c of session i is included when {@code c < ⌊r⌋}, or when {@code c = ⌊r⌋}
     * and a seeded uniform {@code u(i, c) < r − ⌊r⌋}; so r = 1 is the workload itself, r = 2.5 is
     * two copies and half of a third, and r = 0.5 keeps half the sessions. Copy 0 keeps the ids and
     * times; copy c ≥ 1 gets ids {@code id#c} (users {@code user#c}) and a seeded shift of at most
     * ±{@link #SCALE_JITTER_NANOS} (kept within the workload's time span), so copies do not move
     * in lockstep. Including copies only adds sessions as r grows, so the peak is monotone in r:
     * bisection on r finds the factor whose peak is closest to the target.
     */
    public static Workload scaleTo(Workload w, int targetPeakActive, long seed) {
        if (targetPeakActive < 1) {
            throw new IllegalArgumentException("targetPeakActive must be at least 1, got " + targetPeakActive);
        }
        List<List<TraceEvent>> sessions = bySession(w);
        int base = peakActive(w);
        if (base == 0) {
            throw new IllegalArgumentException("workload " + w.name() + " never has an active session: nothing to scale");
        }
        SessionPlan.Intervals intervals = new SessionPlan.Intervals();
        // Start from the plain ratio (exactly 1 when the workload already has the target peak);
        // among factors with equally close peaks keep the one nearest that ratio.
        double ratio = (double) targetPeakActive / base;
        double best = ratio;
        int bestPeak = peak(sessions, ratio, seed, w.durationNanos(), intervals);
        double lo = 0;
        double hi = 2.0 * ratio + 1;
        for (int iter = 0; iter < 50 && bestPeak != targetPeakActive; iter++) {
            double mid = (lo + hi) / 2;
            int p = peak(sessions, mid, seed, w.durationNanos(), intervals);
            int d = Math.abs(p - targetPeakActive);
            int bestD = Math.abs(bestPeak - targetPeakActive);
            if (d < bestD || (d == bestD && Math.abs(mid - ratio) < Math.abs(best - ratio))) {
                bestPeak = p;
                best = mid;
            }
            if (p >= targetPeakActive) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return build(w, sessions, best, seed, bestPeak, targetPeakActive);
    }

    private static List<List<TraceEvent>> bySession(Workload w) {
        Map<String, List<TraceEvent>> map = new LinkedHashMap<>();
        for (TraceEvent e : w.events()) {
            map.computeIfAbsent(e.sessionId(), k -> new ArrayList<>()).add(e);
        }
        return new ArrayList<>(map.values());
    }

    private static boolean included(int session, int copy, double r, long seed) {
        int whole = (int) Math.floor(r);
        if (copy < whole) {
            return true;
        }
        return copy == whole && Rng.of(seed, 0x5CA1EL, copy, session).nextDouble() < r - whole;
    }

    /** The seeded shift of copy {@code copy} of a session, kept within [0, duration]. */
    private static long shift(List<TraceEvent> events, int session, int copy, long seed, long duration) {
        if (copy == 0) {
            return 0;
        }
        long first = events.get(0).timeNanos();
        long last = events.get(events.size() - 1).timeNanos();
        long min = Math.max(-SCALE_JITTER_NANOS, -first);
        long max = Math.min(SCALE_JITTER_NANOS, duration - last);
        if (max <= min) {
            return 0;
        }
        double u = Rng.of(seed, 0x717L, copy, session).nextDouble();
        return min + (long) Math.floor(u * (max - min));
    }

    private static int peak(List<List<TraceEvent>> sessions, double r, long seed, long duration,
            SessionPlan.Intervals intervals) {
        intervals.clear();
        int copies = (int) Math.floor(r) + 1;
        for (int c = 0; c < copies; c++) {
            for (int i = 0; i < sessions.size(); i++) {
                if (!included(i, c, r, seed)) {
                    continue;
                }
                List<TraceEvent> events = sessions.get(i);
                long d = shift(events, i, c, seed, duration);
                long since = -1;
                for (TraceEvent e : events) {
                    if (e.activates()) {
                        since = e.timeNanos() + d;
                    } else if ((e.type() == TraceEvent.Type.USER_IDLE || e.type() == TraceEvent.Type.SESSION_DEPARTURE)
                            && since >= 0) {
                        // Inclusive end: at equal times the replayed order depends on sequences,
                        // so the search counts touching periods as overlapping (conservative).
                        intervals.add(since, e.timeNanos() + d + 1, Long.MAX_VALUE);
                        since = -1;
                    }
                }
                if (since >= 0) {
                    intervals.add(since, duration + 1, Long.MAX_VALUE);
                }
            }
        }
        return intervals.peak();
    }

    private static Workload build(Workload w, List<List<TraceEvent>> sessions, double r, long seed, int peak,
            int target) {
        record Shifted(long time, long sequence, int copy, TraceEvent e) {
        }
        List<Shifted> all = new ArrayList<>();
        int copies = (int) Math.floor(r) + 1;
        for (int c = 0; c < copies; c++) {
            for (int i = 0; i < sessions.size(); i++) {
                if (!included(i, c, r, seed)) {
                    continue;
                }
                List<TraceEvent> events = sessions.get(i);
                long d = shift(events, i, c, seed, w.durationNanos());
                for (TraceEvent e : events) {
                    all.add(new Shifted(e.timeNanos() + d, e.sequence(), c, e));
                }
            }
        }
        all.sort(Comparator.comparingLong(Shifted::time).thenComparingLong(Shifted::sequence)
                .thenComparingInt(Shifted::copy));
        List<TraceEvent> events = new ArrayList<>(all.size());
        long seq = 0;
        for (Shifted s : all) {
            String tag = s.copy == 0 ? "" : "#" + s.copy;
            TraceEvent e = s.e;
            events.add(new TraceEvent(s.time, seq++, e.type(), e.sessionId() + tag, e.userId() + tag,
                    e.activeOnArrival()));
        }
        String description = String.format(Locale.ROOT,
                "%s scaled by %.4f (seeded replication %d, jitter ±%d s): peak active %d for target %d",
                w.description(), r, seed, SCALE_JITTER_NANOS / 1_000_000_000L, peak, target);
        return new Workload(w.name() + "-x" + target, description, w.durationNanos(), events);
    }
}
