package io.turboserve.sim;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns the Azure LLM inference request trace (Azure Public Dataset, {@code AzureLLMInferenceTrace_code},
 * CC-BY 4.0; columns {@code TIMESTAMP, ContextTokens, GeneratedTokens}) into video-generation
 * sessions. The file holds request arrivals, not sessions; this is the documented transform:
 *
 * <ol>
 *   <li><b>One request = one session</b> of user {@code u<row>}, arriving at the request's
 *       TIMESTAMP (relative to the first request) mapped onto the run (below). The user is active
 *       on arrival (a viewer opens a stream to watch it).</li>
 *   <li><b>Turns from the context</b>: a longer context stands for a longer conversation, so the
 *       session has {@code 1 + min(7, ContextTokens / 1024)} active periods (1–8).</li>
 *   <li><b>Active periods from the output</b>: one generated token stands for one chunk of video
 *       watched (0.75 s), so each active period lasts {@code GeneratedTokens × 0.75 s × X}, X
 *       log-normal with median 1 and σ 0.75 (seeded), clamped to [3 s, 15 min]. The token counts'
 *       own heavy tail (a few requests generate ~1,900 tokens) and X give heavy-tailed lengths.</li>
 *   <li><b>Idle gaps</b> between active periods: Pareto with scale 5 s and tail index 1.5 (seeded,
 *       mean 15 s, heavy-tailed), capped at 10 min. After the last active period the user lingers
 *       idle for a Pareto(2 s, 1.5) time capped at 5 min, then the session departs.</li>
 *   <li><b>Time compression</b>: the trace's span (57 min) is mapped linearly onto the run's
 *       duration: arrivals are multiplied by {@code duration / span} (0.52 for a 30-minute run;
 *       exactly 1 without a duration, when the run lasts the trace's span rounded up to a second).
 *       Session shapes are not scaled: bursts arrive faster, sessions last as long.</li>
 *   <li><b>Rate to the cluster</b> (DESIGN.md section 9): the trace is far denser than a small
 *       cluster (at real time its peak of active sessions is well over a thousand), so time alone
 *       cannot size it: stretching would turn the hour into days for 4 GPUs. Instead each request
 *       is kept with probability {@code p} (a seeded uniform per row, so raising p only adds
 *       sessions and the peak is monotone in p); when even {@code p = 1} is too little, request i
 *       also yields {@code ⌊p⌋ − 1} more sessions, plus one more with probability
 *       {@code p − ⌊p⌋} (several users sending at that moment; their shapes are drawn from their
 *       own streams). {@code p} is found by bisection so that the peak of active sessions is as
 *       close as possible to {@code targetPeakActive}. Thinning keeps the trace's bursts and quiet
 *       minutes where they are.</li>
 * </ol>
 *
 * Events after the end are dropped (the simulation closes what is open then). Every random draw
 * comes from a stream derived from {@code (seed, row, copy)}, so a seed gives one workload.
 *
 * <p>Attribution: Azure LLM inference trace 2023 (code), Azure Public Dataset by Microsoft Azure,
 * github.com/Azure/AzurePublicDataset, CC-BY 4.0.
 */
public final class AzureAdapter {
    static final double SECONDS_PER_TOKEN = 0.75;
    static final double ACTIVE_SIGMA = 0.75;
    static final double MIN_ACTIVE_S = 3;
    static final double MAX_ACTIVE_S = 900;
    static final double IDLE_MIN_S = 5;
    static final double LINGER_MIN_S = 2;
    static final double TAIL_ALPHA = 1.5;
    static final double MAX_IDLE_S = 600;
    static final double MAX_LINGER_S = 300;
    static final int TOKENS_PER_TURN = 1024;
    static final int MAX_TURNS = 8;
    /** The most sessions one request may stand for when the trace is too sparse for the target. */
    static final int MAX_COPIES = 64;

    private static final String HEADER = "TIMESTAMP,ContextTokens,GeneratedTokens";
    private static final DateTimeFormatter TIMESTAMP = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd HH:mm:ss")
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
            .toFormatter();

    /** One row of the trace. */
    record Request(long atNanos, int contextTokens, int generatedTokens) {
    }

    private AzureAdapter() {
    }

    /** Loads the CSV and adapts it over the trace's own span (time factor 1). */
    public static Workload load(Path csv, long seed, int targetPeakActive) throws IOException {
        return load(csv, seed, targetPeakActive, Long.MAX_VALUE);
    }

    /** Loads the CSV and adapts it, mapping the trace's span onto {@code durationNanos}. */
    public static Workload load(Path csv, long seed, int targetPeakActive, long durationNanos) throws IOException {
        try (Reader r = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
            return read(csv.getFileName().toString(), r, seed, targetPeakActive, durationNanos);
        }
    }

    /**
     * Adapts a trace read from {@code csv} (e.g. {@link Workloads#azureCsv()}).
     *
     * <p>Algorithm: parse and check the rows; fix the time factor from the duration; bisect on the
     * kept fraction p (peak monotone in p), each step sweeping the active intervals of the kept
     * sessions; keep the p whose peak is closest to the target; build the events.
     *
     * @param source        the name used in messages
     * @param durationNanos the run's length, onto which the trace's span is mapped, or
     *                      {@link Long#MAX_VALUE} for the trace's own span (no compression)
     */
    public static Workload read(String source, Reader csv, long seed, int targetPeakActive, long durationNanos)
            throws IOException {
        if (targetPeakActive < 1) {
            throw new IllegalArgumentException("targetPeakActive must be at least 1, got " + targetPeakActive);
        }
        if (durationNanos <= 0) {
            throw new IllegalArgumentException("durationNanos must be positive, got " + durationNanos);
        }
        List<Request> requests = parse(source, csv);
        if (requests.isEmpty()) {
            throw new TraceFormatException(source, 2, 0, "", "TIMESTAMP", "the trace has no requests");
        }
        long span = ceilSecond(requests.get(requests.size() - 1).atNanos() + 1);
        long duration = durationNanos == Long.MAX_VALUE ? span : durationNanos;
        double factor = (double) duration / span;
        Candidates candidates = new Candidates(seed, requests, factor);

        SessionPlan.Intervals intervals = new SessionPlan.Intervals();
        double hi = 1;
        while (hi < MAX_COPIES && candidates.peak(hi, duration, intervals) < targetPeakActive) {
            hi = Math.min(MAX_COPIES, hi * 2);
        }
        double lo = 0;
        double best = hi;
        int bestPeak = candidates.peak(hi, duration, intervals);
        for (int iter = 0; iter < 40 && bestPeak != targetPeakActive; iter++) {
            double mid = (lo + hi) / 2;
            int peak = candidates.peak(mid, duration, intervals);
            int d = Math.abs(peak - targetPeakActive);
            if (d < Math.abs(bestPeak - targetPeakActive) || (d == Math.abs(bestPeak - targetPeakActive) && mid < best)) {
                bestPeak = peak;
                best = mid;
            }
            if (peak >= targetPeakActive) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        List<SessionPlan> plans = candidates.kept(best, duration);
        String description = String.format(java.util.Locale.ROOT,
                "Azure LLM code trace 2023 (Azure Public Dataset, CC-BY 4.0) adapted to sessions: %d requests over "
                        + "%.0f s mapped onto %.0f s (time factor %.4f), sessions per request p = %.5f (seeded thinning; "
                        + "above 1, copies): %d sessions, seed %d, peak active %d for target %d",
                requests.size(), span / 1e9, duration / 1e9, factor, best, plans.size(), seed, bestPeak,
                targetPeakActive);
        return SessionPlan.toWorkload("azure-code-" + targetPeakActive + "-s" + seed, description, duration, plans);
    }

    /** Sessions request by request and copy by copy, with the seeded uniform that decides each. */
    private static final class Candidates {
        private final long seed;
        private final List<Request> requests;
        private final double factor;
        private final List<SessionPlan[]> shapes = new ArrayList<>();
        private final List<double[]> draws = new ArrayList<>();

        Candidates(long seed, List<Request> requests, double factor) {
            this.seed = seed;
            this.requests = requests;
            this.factor = factor;
        }

        /** Copy {@code c} of every request, drawn on first use. */
        private void ensure(int c) {
            while (shapes.size() <= c) {
                int copy = shapes.size();
                SessionPlan[] s = new SessionPlan[requests.size()];
                double[] u = new double[requests.size()];
                for (int i = 0; i < s.length; i++) {
                    Request r = requests.get(i);
                    s[i] = shape(seed, i, copy, r).withArrival(Math.round(r.atNanos() * factor));
                    u[i] = Rng.of(seed, 0xA3L, i, copy).nextDouble();
                }
                shapes.add(s);
                draws.add(u);
            }
        }

        /** Request order, copies of one request together: the order of the workload's sessions. */
        List<SessionPlan> kept(double p, long end) {
            int whole = (int) Math.floor(p);
            ensure(whole);
            List<SessionPlan> list = new ArrayList<>();
            for (int i = 0; i < requests.size(); i++) {
                for (int c = 0; c <= whole; c++) {
                    SessionPlan s = shapes.get(c)[i];
                    if (s.arrival() < end && (c < whole || draws.get(c)[i] < p - whole)) {
                        list.add(s);
                    }
                }
            }
            return list;
        }

        int peak(double p, long end, SessionPlan.Intervals intervals) {
            intervals.clear();
            for (SessionPlan s : kept(p, end)) {
                s.activeIntervals(end, intervals);
            }
            return intervals.peak();
        }
    }

    /** Draws session {@code row}'s shape (arrival set later) from its own random stream. */
    static SessionPlan shape(long seed, int row, int copy, Request r) {
        Rng rng = Rng.of(seed, 0xA2L, row, copy);
        int turns = 1 + Math.min(MAX_TURNS - 1, r.contextTokens() / TOKENS_PER_TURN);
        long[] toggles = new long[2 * turns - 1];
        long t = 0;
        for (int i = 0; i < turns; i++) {
            double active = r.generatedTokens() * SECONDS_PER_TOKEN * rng.logNormal(1.0, ACTIVE_SIGMA);
            t += nanos(Math.max(MIN_ACTIVE_S, Math.min(MAX_ACTIVE_S, active)));
            if (i < turns - 1) {
                toggles[2 * i] = t;
                t += nanos(Math.min(MAX_IDLE_S, rng.pareto(IDLE_MIN_S, TAIL_ALPHA)));
                toggles[2 * i + 1] = t;
            } else {
                toggles[2 * i] = t;
            }
        }
        t += nanos(Math.min(MAX_LINGER_S, rng.pareto(LINGER_MIN_S, TAIL_ALPHA)));
        String tag = copy == 0 ? "" : "#" + copy;
        return new SessionPlan("azure-" + row + tag, "u" + row + tag, 0, true, toggles, t);
    }

    /** Reads and checks the CSV: header, three columns, timestamps in order, positive counts. */
    static List<Request> parse(String source, Reader csv) throws IOException {
        BufferedReader in = csv instanceof BufferedReader b ? b : new BufferedReader(csv);
        String header = in.readLine();
        if (header == null) {
            throw new TraceFormatException(source, 1, 0, "", "", "empty file: expected the header " + HEADER);
        }
        if (header.startsWith("\uFEFF")) {
            header = header.substring(1);
        }
        if (!header.trim().equals(HEADER)) {
            throw new TraceFormatException(source, 1, 0, "", "", "expected the header " + HEADER + ", found " + header);
        }
        List<Request> list = new ArrayList<>();
        LocalDateTime first = null;
        long last = Long.MIN_VALUE;
        int lineNo = 1;
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(",", -1);
            if (f.length != 3) {
                throw new TraceFormatException(source, lineNo, 0, "", "", "expected 3 columns (" + HEADER + "), found "
                        + f.length);
            }
            LocalDateTime ts;
            try {
                ts = LocalDateTime.parse(f[0].trim(), TIMESTAMP);
            } catch (DateTimeParseException e) {
                throw new TraceFormatException(source, lineNo, 0, "", "TIMESTAMP", "TIMESTAMP \"" + f[0]
                        + "\" is not yyyy-MM-dd HH:mm:ss[.fraction]");
            }
            if (first == null) {
                first = ts;
            }
            long at = ChronoUnit.NANOS.between(first, ts);
            if (at < last) {
                throw new TraceFormatException(source, lineNo, 0, "", "TIMESTAMP", "TIMESTAMP " + f[0].trim()
                        + " is before the previous row's: rows must be in time order");
            }
            last = at;
            list.add(new Request(at, count(source, lineNo, f[1], "ContextTokens"), count(source, lineNo, f[2],
                    "GeneratedTokens")));
        }
        return list;
    }

    private static int count(String source, int line, String text, String field) throws TraceFormatException {
        try {
            int v = Integer.parseInt(text.trim());
            if (v >= 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new TraceFormatException(source, line, 0, "", field, field + " \"" + text + "\" is not a non-negative integer");
    }

    static long nanos(double seconds) {
        return Math.max(1_000_000L, Math.round(seconds * 1e9));
    }

    static long ceilSecond(long nanos) {
        return (nanos + 999_999_999L) / 1_000_000_000L * 1_000_000_000L;
    }
}
