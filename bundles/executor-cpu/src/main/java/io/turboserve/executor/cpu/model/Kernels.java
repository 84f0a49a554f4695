package io.turboserve.executor.cpu.model;

/**
 * The numeric kernels of the tiny model, each with a fixed summation order that a second
 * implementation can follow: every sum is fp32 in index order, every result that leaves a kernel is
 * rounded to bf16 once. Where the code computes four or eight sums side by side, that is only so the
 * CPU overlaps independent additions; each sum's own order stays the sequential one. Tensors are
 * row-major {@code float[]} holding bf16 values.
 */
final class Kernels {
    private static final float LN_EPS = 1e-5f;

    private Kernels() {
    }

    /**
     * {@code rows × in} times a weight stored as {@code [out][in]}: output (r, j) is
     * {@code bf16(Σ_k a[r][k]·w[j][k])}. It does not depend on the other rows, which is what makes
     * a coalesced GEMM over several sessions' rows batch-invariant.
     */
    static float[] matmul(float[] a, int rows, int in, float[] wT, int out) {
        float[] c = new float[rows * out];
        for (int r = 0; r < rows; r++) {
            int aAt = r * in;
            int j = 0;
            for (; j + 3 < out; j += 4) {
                int w0 = j * in;
                int w1 = w0 + in;
                int w2 = w1 + in;
                int w3 = w2 + in;
                float s0 = 0f;
                float s1 = 0f;
                float s2 = 0f;
                float s3 = 0f;
                for (int k = 0; k < in; k++) {
                    float x = a[aAt + k];
                    s0 += x * wT[w0 + k];
                    s1 += x * wT[w1 + k];
                    s2 += x * wT[w2 + k];
                    s3 += x * wT[w3 + k];
                }
                c[r * out + j] = Bf16.round(s0);
                c[r * out + j + 1] = Bf16.round(s1);
                c[r * out + j + 2] = Bf16.round(s2);
                c[r * out + j + 3] = Bf16.round(s3);
            }
            for (; j < out; j++) {
                float s0 = 0f;
                for (int k = 0; k < in; k++) {
                    s0 += a[aAt + k] * wT[j * in + k];
                }
                c[r * out + j] = Bf16.round(s0);
            }
        }
        return c;
    }

    /**
     * Multi-head attention of {@code nq} query rows starting at {@code row0} of {@code q} (row
     * stride {@code qStride}, queries in its first {@code d} columns) over {@code m} key and value
     * rows of width {@code d}: per head, scores {@code s_j = (q·k_j)·(1/√headDim)}, weights
     * {@code e_j = exp(s_j − max s)}, output {@code bf16((Σ_j e_j·v_j) / Σ_j e_j)}, every sum in
     * key order. Results go to rows {@code row0..} of {@code out} (width d).
     *
     * @param scores scratch of at least {@code m} floats
     */
    static void attend(float[] q, int qStride, int row0, int nq, float[] keys, float[] values, int m, int heads,
            int d, float[] out, float[] scores) {
        int hd = d / heads;
        float scale = (float) (1.0 / Math.sqrt(hd));
        float[] acc = new float[hd];
        for (int head = 0; head < heads; head++) {
            int col = head * hd;
            for (int i = 0; i < nq; i++) {
                scores(q, (row0 + i) * qStride + col, keys, col, hd, d, m, scale, scores);
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < m; j++) {
                    max = Math.max(max, scores[j]);
                }
                float sum = 0f;
                for (int j = 0; j < m; j++) {
                    float w = Fp32Math.exp(scores[j] - max);
                    scores[j] = w;
                    sum += w;
                }
                weightedSum(scores, values, m, col, hd, d, acc);
                int oAt = (row0 + i) * d + col;
                for (int c = 0; c < hd; c++) {
                    out[oAt + c] = Bf16.round(acc[c] / sum);
                }
            }
        }
    }

    /** {@code scores[j] = (Σ_c q[qAt + c]·keys[j][col + c])·scale}, four keys side by side. */
    private static void scores(float[] q, int qAt, float[] keys, int col, int hd, int d, int m, float scale,
            float[] scores) {
        int j = 0;
        for (; j + 3 < m; j += 4) {
            int k0 = j * d + col;
            int k1 = k0 + d;
            int k2 = k1 + d;
            int k3 = k2 + d;
            float s0 = 0f;
            float s1 = 0f;
            float s2 = 0f;
            float s3 = 0f;
            for (int c = 0; c < hd; c++) {
                float x = q[qAt + c];
                s0 += x * keys[k0 + c];
                s1 += x * keys[k1 + c];
                s2 += x * keys[k2 + c];
                s3 += x * keys[k3 + c];
            }
            scores[j] = s0 * scale;
            scores[j + 1] = s1 * scale;
            scores[j + 2] = s2 * scale;
            scores[j + 3] = s3 * scale;
        }
        for (; j < m; j++) {
            int k0 = j * d + col;
            float s0 = 0f;
            for (int c = 0; c < hd; c++) {
                s0 += q[qAt + c] * keys[k0 + c];
            }
            scores[j] = s0 * scale;
        }
    }

    /** {@code acc[c] = Σ_j w[j]·values[j][col + c]}, eight columns side by side in locals. */
    private static void weightedSum(float[] w, float[] values, int m, int col, int hd, int d, float[] acc) {
        int c = 0;
        for (; c + 7 < hd; c += 8) {
            float a0 = 0f;
            float a1 = 0f;
            float a2 = 0f;
            float a3 = 0f;
            float a4 = 0f;
            float a5 = 0f;
            float a6 = 0f;
            float a7 = 0f;
            for (int j = 0, at = col + c; j < m; j++, at += d) {
                float x = w[j];
                a0 += x * values[at];
                a1 += x * values[at + 1];
                a2 += x * values[at + 2];
                a3 += x * values[at + 3];
                a4 += x * values[at + 4];
                a5 += x * values[at + 5];
                a6 += x * values[at + 6];
                a7 += x * values[at + 7];
            }
            acc[c] = a0;
            acc[c + 1] = a1;
            acc[c + 2] = a2;
            acc[c + 3] = a3;
            acc[c + 4] = a4;
            acc[c + 5] = a5;
            acc[c + 6] = a6;
            acc[c + 7] = a7;
        }
        for (; c < hd; c++) {
            float a0 = 0f;
            for (int j = 0, at = col + c; j < m; j++, at += d) {
                a0 += w[j] * values[at];
            }
            acc[c] = a0;
        }
    }

    /**
     * LayerNorm without affine parameters, per row of width {@code d}: mean, biased variance of the
     * deviations, then {@code bf16((x − mean) · (1 / √(var + 1e-5)))}.
     */
    static float[] layerNorm(float[] h, int rows, int d) {
        float[] y = new float[rows * d];
        for (int r = 0; r < rows; r++) {
            int at = r * d;
            float sum = 0f;
            for (int c = 0; c < d; c++) {
                sum += h[at + c];
            }
            float mean = sum / d;
            float sq = 0f;
            for (int c = 0; c < d; c++) {
                float dev = h[at + c] - mean;
                sq += dev * dev;
            }
            float inv = 1f / (float) Math.sqrt(sq / d + LN_EPS);
            for (int c = 0; c < d; c++) {
                y[at + c] = Bf16.round((h[at + c] - mean) * inv);
            }
        }
        return y;
    }

    /** The residual add: {@code h = bf16(h + delta)}, element by element. */
    static void addInto(float[] h, float[] delta) {
        for (int e = 0; e < h.length; e++) {
            h[e] = Bf16.round(h[e] + delta[e]);
        }
    }
}
