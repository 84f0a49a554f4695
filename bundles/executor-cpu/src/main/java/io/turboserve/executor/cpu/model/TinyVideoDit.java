package io.turboserve.executor.cpu.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tiny causal video DiT of DESIGN.md section 6, in plain Java, batch-invariant.
 *
 * <p><b>Tensors</b> come from {@link CounterRng}; a weight {@code W} of a layer maps {@code in}
 * features to {@code out}, element {@code (k, j)} has index {@code k·out + j} and value
 * {@code bf16(uniform(modelSeed, 16·layer + kind, k·out + j) · (float) (1/√in))}, with kinds
 * 0 = QKV ({@code hidden → 3·hidden}, columns q | k | v), 1 = self-attention output, 2 = cross
 * query, 3 = cross K/V ({@code hidden → 2·hidden}, columns k | v), 4 = cross output, 5 = MLP up
 * ({@code hidden → ffn}), 6 = MLP down. Text token t, feature d of a prompt is
 * {@code bf16(uniform(promptSeed, TEXT_TENSOR, t·hidden + d))}; the initial noise of chunk i,
 * token t, feature d is {@code bf16(uniform(sessionSeed, NOISE_TENSOR + i, t·hidden + d))}.
 *
 * <p><b>Numerics</b> ({@link Kernels}): every tensor between two operations is rounded to bf16,
 * every sum is fp32 in index order. A projection's output element is one dot product over its input
 * features and does not depend on the other rows of the GEMM, so the concatenated rows of all
 * sessions of a step go through each projection together and every session's result is
 * bit-identical to running it alone. Attention runs per session over its own keys.
 *
 * <p>Kept deliberately plain: no biases, no positional or timestep embeddings, no final norm; the
 * denoiser f(x) is the residual stream after the last layer. The point is the cost structure and
 * the state (a real KV window per session), not image quality.
 */
public final class TinyVideoDit {
    /** The model name sessions ask for. */
    public static final String MODEL = "tiny";
    /** The tensor id of the text tokens (under the prompt seed). */
    public static final long TEXT_TENSOR = 0x7E57L;
    /** The tensor id of chunk 0's initial noise (under the session seed); chunk i uses this + i. */
    public static final long NOISE_TENSOR = 1L << 40;
    /** The fixed denoising step sizes α_k: exact binary fractions, so every device has the same ones. */
    static final float[] ALPHAS = {0.5f, 0.375f, 0.25f, 0.125f};

    private static final int TEXT_CACHE_ENTRIES = 256;

    private final ModelShape shape;
    private final KvWindow window;
    private final Layer[] layers;
    private final Map<Long, float[][]> textCache = new LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, float[][]> eldest) {
            return size() > TEXT_CACHE_ENTRIES;
        }
    };

    /** One session's part of a step: its packed state (updated in place) and who it is. */
    public record Item(byte[] state, long seed, long promptSeed, long chunkIndex) {
    }

    /** One layer's weights, each stored transposed ({@code [out][in]}) so a dot product reads contiguously. */
    private record Layer(float[] qkv, float[] out, float[] crossQ, float[] crossKv, float[] crossOut, float[] up,
            float[] down) {
    }

    /** What one session carries through the five forwards of a step. */
    private static final class Session {
        final int row0;
        final int windowTokens;
        /** Per layer: window K (then V) rows in logical order, followed by the chunk's own rows. */
        final float[][] keys;
        final float[][] values;
        /** Per layer: text K at [2·layer], text V at [2·layer + 1]. */
        final float[][] text;

        Session(int row0, int windowTokens, int layers, int rowsPerLayer, float[][] text) {
            this.row0 = row0;
            this.windowTokens = windowTokens;
            this.keys = new float[layers][rowsPerLayer];
            this.values = new float[layers][rowsPerLayer];
            this.text = text;
        }
    }

    public TinyVideoDit(ModelShape shape) {
        this.shape = shape;
        this.window = new KvWindow(shape);
        int d = shape.hidden();
        this.layers = new Layer[shape.layers()];
        for (int l = 0; l < layers.length; l++) {
            long t = 16L * l;
            layers[l] = new Layer(weight(t, d, 3 * d), weight(t + 1, d, d), weight(t + 2, d, d),
                    weight(t + 3, d, 2 * d), weight(t + 4, d, d), weight(t + 5, d, shape.ffn()),
                    weight(t + 6, shape.ffn(), d));
        }
    }

    public ModelShape shape() {
        return shape;
    }

    /**
     * One coalesced step: the next chunk of every item. A chunk starts from the chunk's noise x and
     * runs four denoising forwards {@code x ← bf16(x − α_k·f(x))}, then a fifth forward on the final
     * x that only computes each layer's K and V of the chunk's tokens, which go into the window;
     * the header then moves to the next chunk. The caller has checked every header.
     *
     * @return per item, the final x as bf16 little-endian ({@code tokensPerChunk × hidden})
     */
    public List<byte[]> step(List<Item> items) {
        int n = shape.tokensPerChunk();
        int d = shape.hidden();
        int rows = items.size() * n;
        Session[] sessions = new Session[items.size()];
        float[] x = new float[rows * d];
        for (int s = 0; s < sessions.length; s++) {
            Item item = items.get(s);
            long frames = StateHeader.framesWritten(item.state());
            int windowTokens = window.validTokens(frames);
            Session session = new Session(s * n, windowTokens, layers.length, (windowTokens + n) * d,
                    textKv(item.promptSeed()));
            for (int l = 0; l < layers.length; l++) {
                window.read(item.state(), l, frames, session.keys[l], session.values[l]);
            }
            sessions[s] = session;
            long noiseTensor = NOISE_TENSOR + item.chunkIndex();
            for (int e = 0; e < n * d; e++) {
                x[s * n * d + e] = Bf16.round(CounterRng.uniform(item.seed(), noiseTensor, e));
            }
        }
        for (float alpha : ALPHAS) {
            float[] f = forward(x, rows, sessions, false);
            for (int e = 0; e < x.length; e++) {
                x[e] = Bf16.round(x[e] - alpha * f[e]);
            }
        }
        forward(x, rows, sessions, true);
        List<byte[]> payloads = new ArrayList<>(items.size());
        for (int s = 0; s < sessions.length; s++) {
            byte[] state = items.get(s).state();
            long frames = StateHeader.framesWritten(state);
            for (int l = 0; l < layers.length; l++) {
                window.write(state, l, frames, sessions[s].keys[l], sessions[s].values[l], sessions[s].windowTokens);
            }
            StateHeader.advance(state, shape.framesPerChunk());
            payloads.add(payload(x, s * n * d, n * d));
        }
        return payloads;
    }

    /**
     * One forward f(x) over all sessions' rows: per layer, LayerNorm → QKV → self-attention over
     * [window + own tokens] → output projection, residual; LayerNorm → cross-attention over the text
     * tokens → projection, residual; LayerNorm → MLP with GELU (tanh), residual. With
     * {@code kvOnly} it stops at the last layer's QKV projection: only the K/V rows it leaves in
     * each session's key buffers are wanted.
     *
     * @return the residual stream after the last layer (null with {@code kvOnly})
     */
    private float[] forward(float[] x, int rows, Session[] sessions, boolean kvOnly) {
        int d = shape.hidden();
        int n = shape.tokensPerChunk();
        float[] h = x.clone();
        float[] attended = new float[rows * d];
        float[] scores = new float[Math.max(shape.windowTokens() + n, shape.textTokens())];
        for (int l = 0; l < layers.length; l++) {
            Layer layer = layers[l];
            float[] qkv = Kernels.matmul(Kernels.layerNorm(h, rows, d), rows, d, layer.qkv(), 3 * d);
            for (Session s : sessions) {
                for (int i = 0; i < n; i++) {
                    int src = (s.row0 + i) * 3 * d;
                    int dst = (s.windowTokens + i) * d;
                    System.arraycopy(qkv, src + d, s.keys[l], dst, d);
                    System.arraycopy(qkv, src + 2 * d, s.values[l], dst, d);
                }
            }
            if (kvOnly && l == layers.length - 1) {
                return null;
            }
            for (Session s : sessions) {
                Kernels.attend(qkv, 3 * d, s.row0, n, s.keys[l], s.values[l], s.windowTokens + n, shape.heads(), d,
                        attended, scores);
            }
            Kernels.addInto(h, Kernels.matmul(attended, rows, d, layer.out(), d));

            float[] q = Kernels.matmul(Kernels.layerNorm(h, rows, d), rows, d, layer.crossQ(), d);
            for (Session s : sessions) {
                Kernels.attend(q, d, s.row0, n, s.text[2 * l], s.text[2 * l + 1], shape.textTokens(), shape.heads(), d,
                        attended, scores);
            }
            Kernels.addInto(h, Kernels.matmul(attended, rows, d, layer.crossOut(), d));

            float[] up = Kernels.matmul(Kernels.layerNorm(h, rows, d), rows, d, layer.up(), shape.ffn());
            for (int e = 0; e < up.length; e++) {
                up[e] = Bf16.round(Fp32Math.gelu(up[e]));
            }
            Kernels.addInto(h, Kernels.matmul(up, rows, shape.ffn(), layer.down(), d));
        }
        return h;
    }

    private static byte[] payload(float[] x, int from, int length) {
        byte[] bytes = new byte[2 * length];
        for (int e = 0; e < length; e++) {
            short v = Bf16.fromFloat(x[from + e]);
            bytes[2 * e] = (byte) v;
            bytes[2 * e + 1] = (byte) (v >>> 8);
        }
        return bytes;
    }

    /** A weight {@code in → out} stored transposed, generated as described on the class. */
    private float[] weight(long tensor, int in, int out) {
        float scale = (float) (1.0 / Math.sqrt(in));
        float[] wT = new float[in * out];
        for (int k = 0; k < in; k++) {
            for (int j = 0; j < out; j++) {
                wT[j * in + k] = Bf16.round(CounterRng.uniform(shape.modelSeed(), tensor, (long) k * out + j) * scale);
            }
        }
        return wT;
    }

    /**
     * The text K and V of every layer for a prompt. They do not depend on the chunk, so they are
     * computed once per prompt and kept in a small LRU cache; recomputing gives the same bits.
     */
    private float[][] textKv(long promptSeed) {
        synchronized (textCache) {
            float[][] cached = textCache.get(promptSeed);
            if (cached != null) {
                return cached;
            }
        }
        int d = shape.hidden();
        int t = shape.textTokens();
        float[] tokens = new float[t * d];
        for (int e = 0; e < tokens.length; e++) {
            tokens[e] = Bf16.round(CounterRng.uniform(promptSeed, TEXT_TENSOR, e));
        }
        float[][] kv = new float[2 * layers.length][t * d];
        for (int l = 0; l < layers.length; l++) {
            float[] both = Kernels.matmul(tokens, t, d, layers[l].crossKv(), 2 * d);
            for (int r = 0; r < t; r++) {
                System.arraycopy(both, r * 2 * d, kv[2 * l], r * d, d);
                System.arraycopy(both, r * 2 * d + d, kv[2 * l + 1], r * d, d);
            }
        }
        synchronized (textCache) {
            textCache.put(promptSeed, kv);
        }
        return kv;
    }
}
