package io.turboserve.executor.cpu.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turboserve.cuda.emulated.EmulatedCuda;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CUDA executor's kernels ({@code kernels.cu}), run on the CPU by the emulator in
 * {@code src/test/emulator} and compared with the CPU executor's own operations: the generator
 * bit for bit, the residual add, the denoising update and the KV-window scatter bit for bit, and
 * LayerNorm, GELU and the three attention kernels (reference, flash, flash2) within the relative
 * error of DESIGN.md section 6 (1e-2; they sum in another order, and GELU and attention use
 * {@code expf} rather than the CPU's polynomial). Inline PTX (mma.sync, ldmatrix, cp.async) is
 * emulated as the PTX ISA specifies it, so this checks the kernels' indexing, tiling, masking,
 * online softmax, double buffering and barriers, not the tensor cores themselves; on a GPU,
 * {@code run/gpu-check} compares the real thing.
 *
 * <p>It needs g++ on an x86-64 machine (see {@link EmulatedCuda}) and skips with a message otherwise. It lives in the CPU
 * executor's package (a split package on the test class path only) to call its package-private
 * kernels.
 */
class CudaKernelsOnCpuTest {
    private static final double TOLERANCE = 1e-2;
    private static final long SEED = 0x5EEDL;

    @TempDir
    static Path dir;
    private static Path runner16;
    private static Path runner128;

    @BeforeAll
    static void build() throws Exception {
        String why = EmulatedCuda.unavailable();
        Assumptions.assumeTrue(why == null, () -> why + ": the CUDA kernels are not run on the CPU");
        EmulatedCuda.copyResource(CudaKernelsOnCpuTest.class, "/io/turboserve/gpu/cuda/kernels.cu", dir.resolve("kernels.cu"));
        String gxx = EmulatedCuda.onPath("g++");
        runner16 = compile(gxx, 16);
        runner128 = compile(gxx, 128);
    }

    private static Path compile(String gxx, int hd) throws Exception {
        Path out = dir.resolve("kernel_runner_hd" + hd);
        Path emulator = Path.of("src", "test", "emulator").toAbsolutePath();
        List<String> cmd = List.of(gxx, "-std=c++17", "-O1", "-ffp-contract=off", "-fno-strict-aliasing", "-DHD=" + hd,
                "-I" + dir, "-I" + emulator, emulator.resolve("kernel_runner.cpp").toString(), "-o", out.toString());
        String log = EmulatedCuda.run(cmd, Map.of(), null, 300);
        assertTrue(Files.isExecutable(out), "g++ built no runner:\n" + log);
        return out;
    }

    // ---------------------------------------------------------------- the cases

    /** One line for the runner, and what the CPU executor computes for it. */
    private record Case(String line, float[] expected, boolean exact) {
    }

    @Test
    void generatorAddDenoiseAndScatterAreBitIdenticalToTheCpuExecutor() throws Exception {
        List<Case> cases = new ArrayList<>();
        float scale = (float) (1.0 / Math.sqrt(32));
        cases.add(fillCase(1000, 42, 7, scale));
        cases.add(fillCase(300, -5, Long.MIN_VALUE + 3, 1f));
        cases.add(fillCase(700, SEED, 1L << 40, 1f));
        int n = 3000;
        float[] h = fill(n, SEED, 1, 1f);
        float[] delta = fill(n, SEED, 2, 1f);
        float[] sum = h.clone();
        Kernels.addInto(sum, delta);
        cases.add(new Case("add " + n + " " + SEED, sum, true));
        for (float alpha : TinyVideoDit.ALPHAS) {
            float[] x = h.clone();
            for (int e = 0; e < n; e++) {
                x[e] = Bf16.round(x[e] - alpha * delta[e]);
            }
            cases.add(new Case("denoise " + n + " " + SEED + " " + alpha, x, true));
        }
        for (long written : new long[] {0, 3, 15, 16, 40}) {
            cases.add(scatterCase(written));
        }
        check(runner16, cases);
    }

    @Test
    void layerNormAndGeluMatchTheCpuExecutor() throws Exception {
        List<Case> cases = new ArrayList<>();
        for (int[] shape : new int[][] {{24, 32}, {3, 1536}, {2, 5120}}) {
            int rows = shape[0];
            int d = shape[1];
            cases.add(new Case("layernorm " + rows + " " + d + " " + SEED, Kernels.layerNorm(fill(rows * d, SEED, 1, 2f), rows,
                    d), false));
        }
        int n = 5000;
        float[] x = fill(n, SEED, 1, 4f);
        for (int e = 0; e < n; e++) {
            x[e] = Bf16.round(Fp32Math.gelu(x[e]));
        }
        cases.add(new Case("gelu " + n + " " + SEED, x, false));
        check(runner16, cases);
    }

    @Test
    void attentionAtTheTinyHeadDimMatchesTheCpuExecutor() throws Exception {
        List<Case> cases = new ArrayList<>();
        // tiny: 2 heads of 16, 24 tokens a chunk (3 frames of 8), an 18-frame window, 512 text tokens
        int[][] shapes = {
            {24, 0, 1}, // the first chunk: its own tokens only
            {24, 48, 1}, // a window of 6 frames
            {24, 144, 1}, // a full window of 18 frames
            {100, 70, 1}, // query and key tiles that end part-way
            {24, 512, 0}, // cross-attention over the text
            {1, 5, 0},
        };
        List<Case> reference = new ArrayList<>();
        for (int[] s : shapes) {
            reference.add(attentionCase("ref", s[0], s[1], s[2] == 1, 2, 16));
            cases.add(attentionCase("flash", s[0], s[1], s[2] == 1, 2, 16));
            cases.add(attentionCase("flash2", s[0], s[1], s[2] == 1, 2, 16));
        }
        check(runner16, reference);
        checkBothCopyTimings(runner16, cases);
    }

    @Test
    void attentionAtTheWanHeadDimMatchesTheCpuExecutor() throws Exception {
        List<Case> cases = new ArrayList<>();
        for (String kernel : new String[] {"flash", "flash2"}) {
            cases.add(attentionCase(kernel, 70, 100, true, 2, 128));
            cases.add(attentionCase(kernel, 16, 33, false, 1, 128));
        }
        check(runner128, List.of(attentionCase("ref", 70, 100, true, 2, 128), attentionCase("ref", 16, 33, false, 1, 128)));
        checkBothCopyTimings(runner128, cases);
    }

    private static Case fillCase(long count, long seed, long tensor, float scale) {
        return new Case(String.format(Locale.ROOT, "fill %d %s %s %s", count, Long.toUnsignedString(seed),
                Long.toUnsignedString(tensor), Float.toString(scale)), fill((int) count, seed, tensor, scale), true);
    }

    /** A tiny-shaped window (sink 3 of 18 frames, 8 tokens a frame, width 32) after a chunk of 3 frames. */
    private static Case scatterCase(long framesWritten) {
        int tpf = 8;
        int d = 32;
        int tokens = 3 * tpf;
        ModelShape shape = new ModelShape(1, d, 2, 64, tpf, 3, 3, 18, 512, 1);
        KvWindow window = new KvWindow(shape);
        int cells = shape.windowFrames() * tpf * d;
        float[] qkv = fill(tokens * 3 * d, SEED, 1, 1f);
        float[] kv = new float[2 * cells];
        System.arraycopy(fill(cells, SEED, 2, 1f), 0, kv, 0, cells);
        System.arraycopy(fill(cells, SEED, 3, 1f), 0, kv, cells, cells);
        for (int t = 0; t < tokens; t++) {
            int slot = window.slotOf(framesWritten + t / tpf);
            int at = (slot * tpf + t % tpf) * d;
            for (int c = 0; c < d; c++) {
                kv[at + c] = qkv[t * 3 * d + d + c];
                kv[cells + at + c] = qkv[t * 3 * d + 2 * d + c];
            }
        }
        return new Case(String.format(Locale.ROOT, "scatter %d %d %d %d %d %d %d", tokens, tpf, d, framesWritten,
                shape.sinkFrames(), shape.windowFrames(), SEED), kv, true);
    }

    /**
     * Queries are the first d columns of an nq × 3d QKV block; keys and values are the m1 window
     * rows, then (self-attention) the block's own K and V columns, as the executors order them.
     */
    private static Case attentionCase(String kernel, int nq, int m1, boolean self, int heads, int hd) {
        int d = heads * hd;
        float[] qkv = fill(nq * 3 * d, SEED, 1, 1f);
        float[] k1 = fill(m1 * d, SEED, 2, 1f);
        float[] v1 = fill(m1 * d, SEED, 3, 1f);
        int m = m1 + (self ? nq : 0);
        float[] keys = new float[m * d];
        float[] values = new float[m * d];
        System.arraycopy(k1, 0, keys, 0, m1 * d);
        System.arraycopy(v1, 0, values, 0, m1 * d);
        for (int j = 0; self && j < nq; j++) {
            System.arraycopy(qkv, j * 3 * d + d, keys, (m1 + j) * d, d);
            System.arraycopy(qkv, j * 3 * d + 2 * d, values, (m1 + j) * d, d);
        }
        float[] out = new float[nq * d];
        Kernels.attend(qkv, 3 * d, 0, nq, keys, values, m, heads, d, out, new float[Math.max(1, m)]);
        return new Case(String.format(Locale.ROOT, "attention %s %d %d %d %d %d %d", kernel, nq, m1, self ? 1 : 0, heads,
                hd, SEED), out, false);
    }

    // ---------------------------------------------------------------- running and comparing

    /**
     * flash2's cp.async copies landing as late as the ISA allows (at their wait: a tile read early
     * shows), then at once (a tile overwritten while another warp reads it shows).
     */
    private static void checkBothCopyTimings(Path runner, List<Case> cases) throws Exception {
        check(runner, cases, "copies late");
        check(runner, cases, "copies eager");
    }

    private static void check(Path runner, List<Case> cases) throws Exception {
        check(runner, cases, "copies late");
    }

    private static void check(Path runner, List<Case> cases, String mode) throws Exception {
        Path out = Files.createTempDirectory(dir, "out");
        StringBuilder lines = new StringBuilder(mode).append('\n');
        for (Case c : cases) {
            lines.append(c.line).append('\n');
        }
        String log = EmulatedCuda.run(List.of(runner.toString(), out.toString()), Map.of(), lines.toString(), 300);
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            float[] actual = read(out.resolve(i + ".bin"), c.expected.length);
            if (c.exact) {
                assertArrayEquals(bits(c.expected), bits(actual), c.line + ": not bit-identical to the CPU executor");
                continue;
            }
            double err = relativeError(c.expected, actual);
            System.out.printf(Locale.ROOT, "%-40s %-12s relative error %.5f%n", c.line, mode, err);
            if (!(err <= TOLERANCE)) {
                failures.add(c.line + " (" + mode + "): relative error " + err);
            }
        }
        assertTrue(failures.isEmpty(), "beyond " + TOLERANCE + " of the CPU executor:\n" + String.join("\n", failures)
                + "\n" + log);
    }

    /** max |actual − expected| / max |expected|; NaN (never within tolerance) if any value is NaN. */
    private static double relativeError(float[] expected, float[] actual) {
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < expected.length; i++) {
            if (Float.isNaN(actual[i]) || Float.isNaN(expected[i])) {
                return Double.NaN;
            }
            diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        return scale == 0 ? diff : diff / scale;
    }

    private static short[] bits(float[] values) {
        short[] b = new short[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = Bf16.fromFloat(values[i]);
        }
        return b;
    }

    /** bf16(uniform(seed, tensor, i) · scale), as ts_fill_uniform and the CPU executor make weights. */
    private static float[] fill(int count, long seed, long tensor, float scale) {
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
            v[i] = Bf16.round(CounterRng.uniform(seed, tensor, i) * scale);
        }
        return v;
    }

    private static float[] read(Path file, int count) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        assertEquals(2L * count, bytes.length, file + ": size");
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
            v[i] = Bf16.toFloat(b.getShort());
        }
        return v;
    }
}
