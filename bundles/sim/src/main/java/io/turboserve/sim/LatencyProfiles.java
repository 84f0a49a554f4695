package io.turboserve.sim;

import io.turboserve.core.controller.AnalyticLatencyModel;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Latency models as data (issue 3, item 3): the reference analytic model and measured profiles,
 * read from JSON files shipped on the class path ({@value #PROFILES}) or given by path.
 *
 * <p><b>Analytic</b> ({@code analytic-reference.json}): per-session chunk latency with n sessions
 * on a GPU = {@code base_ms × resolution factor × max(0.5, √(frames / 64)) + 0.015 ms × prompt
 * tokens + 55 ms × (n − 1) + 18 ms × (n / K)²}, K = 4; at the defaults (480p, 9 frames, 256 prompt
 * tokens) 63.5 / 121.8 / 182.5 / 245.3 ms for n = 1..4; migration 8 ms + bytes / 32 GB/s; a
 * 256 MiB state.
 *
 * <p><b>Measured</b> (the profile format: {@code {"gpu", "date", ..., "rows": [{"model", "batch",
 * "context_frames", "chunk_ms", "kv_bytes_per_session", ...}]}}): the step latency at batch b
 * interpolates {@code chunk_ms} linearly between the measured batches and extrapolates linearly
 * beyond ({@link MeasuredLatencyModel}); the state is {@code kv_bytes_per_session}; migration is
 * α–β with α = 8 ms (the analytic model's fixed cost: set-up and commit of a transfer) and β the
 * GPU's NVLink bandwidth from HARDWARE.md (H200/H100 NVLink 4: 900 GB/s; B200/B300 NVLink 5:
 * 1.8 TB/s; 900 GB/s when the GPU is not recognised). A profile may carry its own
 * {@code "migration": {"fixed_ms", "bytes_per_second"}} (a compatible extension), which wins.
 */
public final class LatencyProfiles {
    /** Class-path folder of the shipped profiles. */
    public static final String PROFILES = "/io/turboserve/sim/data/profiles/";
    /** The reference analytic model. */
    public static final String ANALYTIC_REFERENCE = "analytic-reference.json";
    /** The H200 PyTorch reference profile (wan-1.3b and wan-14b at 6 and 18 context frames). */
    public static final String H200_REFERENCE = "h200-pytorch-reference.json";

    /** α of measured profiles' migration cost. */
    static final long MEASURED_MIGRATION_FIXED_NANOS = 8_000_000L;
    static final double NVLINK4_BYTES_PER_SECOND = 900e9;
    static final double NVLINK5_BYTES_PER_SECOND = 1.8e12;

    /** A (model, context) pair a profile holds. */
    public record Variant(String model, int contextFrames) {
    }

    private LatencyProfiles() {
    }

    // ---------------------------------------------------------------- analytic

    /** @return the reference analytic model at its defaults (480p, 9 frames, 256 prompt tokens). */
    public static LatencyProfile analyticReference() {
        return analytic(null, -1, -1);
    }

    /**
     * @param resolution   one of the file's resolution factors (e.g. {@code 720p}), or null for the default
     * @param frames       frames per chunk, or -1 for the default
     * @param promptTokens prompt tokens, or -1 for the default
     * @return the reference analytic model with these inputs
     */
    public static LatencyProfile analytic(String resolution, int frames, int promptTokens) {
        try (Reader r = Workloads.resource(PROFILES + ANALYTIC_REFERENCE)) {
            return analytic(ANALYTIC_REFERENCE, Json.parse(r), resolution, frames, promptTokens);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Json.SyntaxError e) {
            throw new IllegalStateException(ANALYTIC_REFERENCE + ": line " + e.line + ", column " + e.column + ": "
                    + e.getMessage(), e);
        }
    }

    private static LatencyProfile analytic(String source, Json.Node top, String resolution, int frames,
            int promptTokens) throws IOException {
        Json.Obj o = obj(source, top, "the profile");
        Json.Obj defaults = obj(source, field(source, o, "defaults"), "defaults");
        String res = resolution != null ? resolution : str(source, defaults, "resolution");
        int fr = frames >= 0 ? frames : (int) num(source, defaults, "frames");
        int tokens = promptTokens >= 0 ? promptTokens : (int) num(source, defaults, "prompt_tokens");
        Json.Obj factors = obj(source, field(source, o, "resolution_factors"), "resolution_factors");
        Json.Node f = factors.get(res);
        if (!(f instanceof Json.Num factorNum)) {
            throw new IllegalArgumentException(source + ": no resolution factor for " + res + "; known: "
                    + factors.fields().keySet());
        }
        double factor = factorNum.doubleValue();
        double baseMs = num(source, o, "base_ms");
        double minFrame = num(source, o, "min_frame_factor");
        double framesRef = num(source, o, "frames_reference");
        double perToken = num(source, o, "per_prompt_token_ms");
        double perExtra = num(source, o, "per_extra_session_ms");
        double contention = num(source, o, "contention_ms");
        int k = (int) num(source, o, "sessions_per_gpu");
        Json.Obj mig = obj(source, field(source, o, "migration"), "migration");
        double migFixedMs = num(source, mig, "fixed_ms");
        double migBps = num(source, mig, "bytes_per_second");
        long stateBytes = (long) num(source, o, "state_bytes");

        // base = 180 ms × factor × max(0.5, √(frames / 64)) + 0.015 ms × tokens
        double base = baseMs * factor * Math.max(minFrame, Math.sqrt(fr / framesRef)) + perToken * tokens;
        AnalyticLatencyModel model = new AnalyticLatencyModel(Math.round(base * 1e6), Math.round(perExtra * 1e6),
                Math.round(contention * 1e6), k, Math.round(migFixedMs * 1e6), Math.round(migBps));

        Map<String, String> p = new LinkedHashMap<>();
        p.put("model", "analytic");
        p.put("source", source);
        p.put("resolution", res + " (factor " + fmt(factor) + ")");
        p.put("frames", Integer.toString(fr));
        p.put("prompt_tokens", Integer.toString(tokens));
        p.put("base_ms", fmt(base));
        p.put("per_extra_session_ms", fmt(perExtra));
        p.put("contention_ms", fmt(contention) + " x (n/" + k + ")^2");
        StringBuilder perN = new StringBuilder();
        for (int n = 1; n <= k; n++) {
            perN.append(n > 1 ? " / " : "").append(fmt(model.chunkNanos(0, n) / 1e6));
        }
        p.put("chunk_ms_n1..n" + k, perN.toString());
        p.put("migration", fmt(migFixedMs) + " ms + bytes / " + fmt(migBps / 1e9) + " GB/s");
        p.put("state_bytes", Long.toString(stateBytes));
        String name = resolution == null && frames < 0 && promptTokens < 0 ? "analytic-reference"
                : "analytic-" + res + "-f" + fr + "-t" + tokens;
        return new LatencyProfile(name, model, stateBytes, p);
    }

    // ---------------------------------------------------------------- measured

    /**
     * Loads a measured profile shipped on the class path: {@code resource} is a file name in
     * {@value #PROFILES} (e.g. {@value #H200_REFERENCE}) or an absolute class-path name.
     */
    public static LatencyProfile measured(String resource, String model, int contextFrames) throws IOException {
        String name = resource.startsWith("/") ? resource : PROFILES + resource;
        try (Reader r = Workloads.resource(name)) {
            return measured(fileName(resource), r, model, contextFrames);
        }
    }

    /** Loads a measured profile from a file. */
    public static LatencyProfile measured(Path file, String model, int contextFrames) throws IOException {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return measured(file.getFileName().toString(), r, model, contextFrames);
        }
    }

    /** @return the (model, context frames) pairs a class-path profile holds. */
    public static List<Variant> variants(String resource) throws IOException {
        String name = resource.startsWith("/") ? resource : PROFILES + resource;
        try (Reader r = Workloads.resource(name)) {
            return variants(fileName(resource), r);
        }
    }

    /** @return the (model, context frames) pairs a profile file holds. */
    public static List<Variant> variants(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return variants(file.getFileName().toString(), r);
        }
    }

    private static List<Variant> variants(String source, Reader r) throws IOException {
        TreeSet<String> seen = new TreeSet<>();
        List<Variant> list = new ArrayList<>();
        for (Row row : rows(source, parse(source, r))) {
            if (seen.add(row.model + "\u0000" + row.context)) {
                list.add(new Variant(row.model, row.context));
            }
        }
        return list;
    }

    private record Row(String model, int batch, int context, double chunkMs, long kvBytes, Json.Node at) {
    }

    /** Reads a profile and builds the model of one (model, context) pair. */
    static LatencyProfile measured(String source, Reader reader, String model, int contextFrames) throws IOException {
        Json.Obj top = parse(source, reader);
        TreeMap<Integer, Row> byBatch = new TreeMap<>();
        List<Variant> available = new ArrayList<>();
        for (Row row : rows(source, top)) {
            Variant v = new Variant(row.model, row.context);
            if (!available.contains(v)) {
                available.add(v);
            }
            if (row.model.equals(model) && row.context == contextFrames && byBatch.put(row.batch, row) != null) {
                throw fail(source, row.at, "batch", "a second row for " + model + " at " + contextFrames
                        + " context frames and batch " + row.batch);
            }
        }
        if (byBatch.isEmpty()) {
            throw new IllegalArgumentException(source + " has no rows for model " + model + " at " + contextFrames
                    + " context frames; it has " + available);
        }
        int[] batches = new int[byBatch.size()];
        double[] ms = new double[byBatch.size()];
        long kv = 0;
        int i = 0;
        for (Row row : byBatch.values()) {
            batches[i] = row.batch;
            ms[i] = row.chunkMs;
            kv = Math.max(kv, row.kvBytes);
            i++;
        }
        String gpu = top.get("gpu") instanceof Json.Str s ? s.value() : "";
        long alpha = MEASURED_MIGRATION_FIXED_NANOS;
        double beta = nvlinkBytesPerSecond(gpu);
        String migrationSource = "alpha 8 ms; beta NVLink of " + (gpu.isEmpty() ? "an unnamed GPU" : gpu)
                + " (HARDWARE.md)";
        Json.Node mig = top.get("migration");
        if (mig != null) {
            Json.Obj m = obj(source, mig, "migration");
            alpha = Math.round(num(source, m, "fixed_ms") * 1e6);
            beta = num(source, m, "bytes_per_second");
            migrationSource = "from the profile";
        }
        MeasuredLatencyModel lm = new MeasuredLatencyModel(batches, ms, alpha, beta);

        Map<String, String> p = new LinkedHashMap<>();
        p.put("model", "measured");
        p.put("source", source);
        if (!gpu.isEmpty()) {
            p.put("gpu", gpu);
        }
        if (top.get("date") instanceof Json.Str d) {
            p.put("date", d.value());
        }
        p.put("profile_model", model);
        p.put("context_frames", Integer.toString(contextFrames));
        StringBuilder b = new StringBuilder();
        StringBuilder t = new StringBuilder();
        for (int j = 0; j < batches.length; j++) {
            b.append(j > 0 ? "," : "").append(batches[j]);
            t.append(j > 0 ? " / " : "").append(fmt(ms[j]));
        }
        p.put("batches", b.toString());
        p.put("chunk_ms", t.toString());
        p.put("interpolation", "linear between measured batches, linear extrapolation beyond");
        p.put("migration", fmt(alpha / 1e6) + " ms + bytes / " + fmt(beta / 1e9) + " GB/s (" + migrationSource + ")");
        p.put("state_bytes", Long.toString(kv));
        String base = source.endsWith(".json") ? source.substring(0, source.length() - 5) : source;
        return new LatencyProfile(base + "/" + model + "/ctx" + contextFrames, lm, kv, p);
    }

    /** @return β for migration: the NVLink bandwidth of the named GPU per HARDWARE.md. */
    static double nvlinkBytesPerSecond(String gpu) {
        String g = gpu.toUpperCase(Locale.ROOT);
        if (g.contains("B200") || g.contains("B300")) {
            return NVLINK5_BYTES_PER_SECOND;
        }
        return NVLINK4_BYTES_PER_SECOND;
    }

    private static List<Row> rows(String source, Json.Obj top) throws IOException {
        Json.Node rowsNode = field(source, top, "rows");
        if (!(rowsNode instanceof Json.Arr arr)) {
            throw fail(source, rowsNode, "rows", "rows must be an array, found " + rowsNode.kind());
        }
        List<Row> rows = new ArrayList<>();
        for (Json.Node n : arr.items()) {
            Json.Obj row = obj(source, n, "a row");
            String model = str(source, row, "model");
            int batch = positiveInt(source, row, "batch");
            Json.Node ctxNode = field(source, row, "context_frames");
            int context = (int) num(source, row, "context_frames");
            if (context < 0) {
                throw fail(source, ctxNode, "context_frames", "context_frames must not be negative");
            }
            double chunkMs = num(source, row, "chunk_ms");
            if (!(chunkMs > 0)) {
                throw fail(source, field(source, row, "chunk_ms"), "chunk_ms", "chunk_ms must be positive");
            }
            long kv = (long) num(source, row, "kv_bytes_per_session");
            if (kv <= 0) {
                throw fail(source, field(source, row, "kv_bytes_per_session"), "kv_bytes_per_session",
                        "kv_bytes_per_session must be positive");
            }
            rows.add(new Row(model, batch, context, chunkMs, kv, row));
        }
        return rows;
    }

    // ---------------------------------------------------------------- JSON helpers

    private static Json.Obj parse(String source, Reader r) throws IOException {
        try {
            return obj(source, Json.parse(r), "the profile");
        } catch (Json.SyntaxError e) {
            throw new TraceFormatException(source, e.line, e.column, "", "", "invalid JSON: " + e.getMessage());
        }
    }

    private static Json.Node field(String source, Json.Obj o, String name) throws TraceFormatException {
        Json.Node n = o.get(name);
        if (n == null) {
            throw fail(source, o, name, name + " is missing");
        }
        return n;
    }

    private static Json.Obj obj(String source, Json.Node n, String what) throws TraceFormatException {
        if (!(n instanceof Json.Obj o)) {
            throw fail(source, n, "", what + " must be an object, found " + n.kind());
        }
        return o;
    }

    private static double num(String source, Json.Obj o, String name) throws TraceFormatException {
        Json.Node n = field(source, o, name);
        if (!(n instanceof Json.Num x) || !Double.isFinite(x.doubleValue())) {
            throw fail(source, n, name, name + " must be a number, found " + n.kind());
        }
        return x.doubleValue();
    }

    private static int positiveInt(String source, Json.Obj o, String name) throws TraceFormatException {
        Json.Node n = field(source, o, name);
        if (!(n instanceof Json.Num x) || !x.isInteger() || x.doubleValue() < 1 || x.doubleValue() > Integer.MAX_VALUE) {
            throw fail(source, n, name, name + " must be a positive integer, found "
                    + (n instanceof Json.Num x2 ? x2.text() : n.kind()));
        }
        return Integer.parseInt(x.text());
    }

    private static String str(String source, Json.Obj o, String name) throws TraceFormatException {
        Json.Node n = field(source, o, name);
        if (!(n instanceof Json.Str s)) {
            throw fail(source, n, name, name + " must be a string, found " + n.kind());
        }
        return s.value();
    }

    private static TraceFormatException fail(String source, Json.Node at, String field, String message) {
        return new TraceFormatException(source, at.line(), at.column(), "", field, message);
    }

    private static String fileName(String resource) {
        int slash = resource.lastIndexOf('/');
        return slash < 0 ? resource : resource.substring(slash + 1);
    }

    static String fmt(double v) {
        String s = String.format(Locale.ROOT, "%.4f", v);
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
