package io.turboserve.gpu.cuda;

import static io.turboserve.gpu.cuda.Native.at;
import static io.turboserve.gpu.cuda.Native.cublas;
import static io.turboserve.gpu.cuda.Native.cuda;
import static org.bytedeco.cuda.global.cublas.CUBLAS_COMPUTE_32F;
import static org.bytedeco.cuda.global.cublas.CUBLAS_DEFAULT_MATH;
import static org.bytedeco.cuda.global.cublas.CUBLAS_GEMM_DEFAULT;
import static org.bytedeco.cuda.global.cublas.CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_N;
import static org.bytedeco.cuda.global.cublas.cublasCreate_v2;
import static org.bytedeco.cuda.global.cublas.cublasDestroy_v2;
import static org.bytedeco.cuda.global.cublas.cublasGemmEx;
import static org.bytedeco.cuda.global.cublas.cublasSetMathMode;
import static org.bytedeco.cuda.global.cublas.cublasSetStream_v2;
import static org.bytedeco.cuda.global.cudart.CUDA_R_16BF;
import static org.bytedeco.cuda.global.cudart.cudaEventCreate;
import static org.bytedeco.cuda.global.cudart.cudaEventDestroy;
import static org.bytedeco.cuda.global.cudart.cudaEventElapsedTime;
import static org.bytedeco.cuda.global.cudart.cudaEventRecord;
import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaFreeHost;
import static org.bytedeco.cuda.global.cudart.cudaMalloc;
import static org.bytedeco.cuda.global.cudart.cudaMallocHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyAsync;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToDevice;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyHostToDevice;
import static org.bytedeco.cuda.global.cudart.cudaSetDevice;
import static org.bytedeco.cuda.global.cudart.cudaStreamCreateWithFlags;
import static org.bytedeco.cuda.global.cudart.cudaStreamDestroy;
import static org.bytedeco.cuda.global.cudart.cudaStreamNonBlocking;
import static org.bytedeco.cuda.global.cudart.cudaStreamSynchronize;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.CUevent_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * One logical GPU worker: a compute stream with its cuBLAS handle and step workspace, a copy stream
 * for offload and restore, pinned staging for headers and payloads, and the states it holds.
 * Several workers may share one physical device (a memory split); each steps on its own stream.
 * Used by one thread at a time (the executor SPI's contract per device).
 */
final class Worker implements AutoCloseable {
    /** The fixed denoising step sizes α_k (the CPU executor's: exact binary fractions). */
    static final float[] ALPHAS = {0.5f, 0.375f, 0.25f, 0.125f};

    /** A live state: who owns it and how big it is. */
    record Alloc(String sessionId, long bytes) {
    }

    /** One session's part of a running step. */
    record Item(long state, StateLayout.Header header, int windowTokens) {
    }

    final int id;
    final DeviceModel model;
    final MemoryBudget budget;
    final Attention attention;
    final Map<Long, Alloc> states = new ConcurrentHashMap<>();
    private final ModelPreset p;
    private final StateLayout layout;
    private final int maxBatch;
    private final CUstream_st stream = new CUstream_st();
    private final CUstream_st copyStream = new CUstream_st();
    private final cublasContext blas = new cublasContext();
    private final CUevent_st started = new CUevent_st();
    private final CUevent_st finished = new CUevent_st();
    private final FloatPointer one = new FloatPointer(1f);
    private final FloatPointer zero = new FloatPointer(0f);
    private final Launcher launcher = new Launcher();
    private final Pointer workspaceMemory = new Pointer();
    private final Pointer staging = new Pointer();
    private final Workspace ws;

    /** Which attention kernel a worker launches. */
    enum Attention {
        /** ts_attention_ref: plain, any head width. */
        REFERENCE,
        /** ts_flash_attention: tensor cores, 64-key tiles, scalar shared loads. */
        FLASH,
        /** ts_flash_attention2: tensor cores, double-buffered 32-key tiles (cp.async), ldmatrix. */
        FLASH2
    }

    Worker(int id, DeviceModel model, MemoryBudget budget, int maxBatch, Attention attention) {
        this.id = id;
        this.model = model;
        this.budget = budget;
        this.attention = attention;
        this.p = model.preset;
        this.layout = new StateLayout(p);
        this.maxBatch = maxBatch;
        Workspace plan = Workspace.plan(p, maxBatch);
        long stagingBytes = maxBatch * (p.payloadBytes() + StateLayout.HEADER_BYTES);
        try {
            cuda(cudaSetDevice(model.device), "cudaSetDevice");
            cuda(cudaStreamCreateWithFlags(stream, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
            cuda(cudaStreamCreateWithFlags(copyStream, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
            cublas(cublasCreate_v2(blas), "cublasCreate");
            cublas(cublasSetStream_v2(blas, stream), "cublasSetStream");
            // No split-K reductions in bf16: every sum of a GEMM stays fp32, as the model says.
            cublas(cublasSetMathMode(blas, CUBLAS_DEFAULT_MATH | CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION),
                    "cublasSetMathMode");
            cuda(cudaEventCreate(started), "cudaEventCreate");
            cuda(cudaEventCreate(finished), "cudaEventCreate");
            cuda(cudaMalloc(workspaceMemory, plan.bytes()), "cudaMalloc(workspace " + plan.bytes() + " bytes)");
            cuda(cudaMallocHost(staging, stagingBytes), "cudaMallocHost(staging " + stagingBytes + " bytes)");
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        this.ws = plan.at(workspaceMemory.address());
    }

    int device() {
        return model.device;
    }

    /** Makes this worker's device current on the calling thread. */
    void enter() {
        cuda(cudaSetDevice(model.device), "cudaSetDevice(" + model.device + ")");
    }

    long allocate(String sessionId, long bytes) {
        Pointer mem = new Pointer();
        cuda(cudaMalloc(mem, bytes), "cudaMalloc(state " + bytes + " bytes)");
        states.put(mem.address(), new Alloc(sessionId, bytes));
        return mem.address();
    }

    void free(long address) {
        if (states.remove(address) != null) {
            cudaFree(at(address));
        }
    }

    /** Writes a fresh header (chunk 0, empty window) into a state. */
    void writeHeader(long state, StateLayout.Header header) {
        Native.bytes(stagingAt(0), StateLayout.HEADER_BYTES).put(header.encode(), 0, StateLayout.HEADER_BYTES);
        cuda(cudaMemcpyAsync(at(state), at(stagingAt(0)), StateLayout.HEADER_BYTES, cudaMemcpyHostToDevice, stream),
                "cudaMemcpyAsync(header)");
        sync(stream);
    }

    /** Fills a state's whole KV window with generator values (a benchmark aid) and writes a header. */
    void fillWindow(long state, StateLayout.Header header) {
        long elements = (layout.stateBytes() - StateLayout.HEADER_BYTES) / 2;
        launcher.launch(model.kernels.fill, Launcher.gridFor(elements), 1, 256, stream,
                state + StateLayout.HEADER_BYTES, elements, header.seed(), 0x5EED_F111L, 0.5f);
        writeHeader(state, header);
    }

    /** @return the headers of these states, read from the device. */
    List<StateLayout.Header> readHeaders(List<Long> states) {
        for (int s = 0; s < states.size(); s++) {
            cuda(cudaMemcpyAsync(at(stagingAt(s)), at(states.get(s)), StateLayout.HEADER_BYTES, cudaMemcpyDeviceToHost,
                    stream), "cudaMemcpyAsync(header)");
        }
        sync(stream);
        List<StateLayout.Header> headers = new ArrayList<>(states.size());
        byte[] bytes = new byte[StateLayout.HEADER_BYTES];
        for (int s = 0; s < states.size(); s++) {
            Native.bytes(stagingAt(s), StateLayout.HEADER_BYTES).get(bytes, 0, bytes.length);
            headers.add(StateLayout.Header.decode(bytes));
        }
        return headers;
    }

    private long stagingAt(int s) {
        return staging.address() + (long) s * StateLayout.HEADER_BYTES;
    }

    private long payloadStaging() {
        return staging.address() + (long) maxBatch * StateLayout.HEADER_BYTES;
    }

    /**
     * Runs one coalesced step: every item's next chunk, together. The caller has checked the
     * headers; they are written back advanced.
     *
     * @param seeds       per item, the session seed (initial noise)
     * @param promptSeeds per item, the prompt seed (text tokens)
     * @param chunks      per item, the chunk index
     * @return per item, the payload; and in {@code computeMillis[0]} the device time of the step
     */
    List<byte[]> step(List<Item> items, long[] seeds, long[] promptSeeds, long[] chunks, float[] computeMillis) {
        int b = items.size();
        int n = p.tokensPerChunk();
        int d = p.hidden();
        int rows = b * n;
        long rowBytes = (long) d * 2;
        cuda(cudaEventRecord(started, stream), "cudaEventRecord");
        for (int s = 0; s < b; s++) {
            long tokens = (long) p.textTokens() * d;
            fill(ws.tokens(), tokens, promptSeeds[s], Rng.TEXT_TENSOR);
            for (int l = 0; l < p.layers(); l++) {
                gemm(ws.tokens(), p.textTokens(), d, model.weight(l, 3), 2 * d, ws.text(p, s, l));
            }
            fill(ws.x() + s * n * rowBytes, (long) n * d, seeds[s], Rng.NOISE_TENSOR + chunks[s]);
        }
        long elements = (long) rows * d;
        for (float alpha : ALPHAS) {
            forward(items, rows, false);
            launcher.launch(model.kernels.denoise, Launcher.gridFor(elements), 1, 256, stream, ws.x(), ws.h(), alpha,
                    elements);
        }
        forward(items, rows, true);
        cuda(cudaEventRecord(finished, stream), "cudaEventRecord");
        cuda(cudaMemcpyAsync(at(payloadStaging()), at(ws.x()), elements * 2, cudaMemcpyDeviceToHost, stream),
                "cudaMemcpyAsync(payload)");
        sync(stream);
        float[] ms = new float[1];
        cuda(cudaEventElapsedTime(ms, started, finished), "cudaEventElapsedTime");
        computeMillis[0] = ms[0];
        List<byte[]> payloads = new ArrayList<>(b);
        int payload = (int) p.payloadBytes();
        for (int s = 0; s < b; s++) {
            byte[] out = new byte[payload];
            Native.bytes(payloadStaging() + (long) s * payload, payload).get(out, 0, payload);
            payloads.add(out);
        }
        for (int s = 0; s < b; s++) {
            Item item = items.get(s);
            byte[] header = item.header().advanced(p.framesPerChunk()).encode();
            Native.bytes(stagingAt(s), StateLayout.HEADER_BYTES).put(header, 0, header.length);
            cuda(cudaMemcpyAsync(at(item.state()), at(stagingAt(s)), StateLayout.HEADER_BYTES, cudaMemcpyHostToDevice,
                    stream), "cudaMemcpyAsync(header)");
        }
        sync(stream);
        return payloads;
    }

    /**
     * One forward f(x) over every session's rows, into {@code h}: per layer, LayerNorm → QKV →
     * self-attention over [window + own tokens] → output projection, residual; LayerNorm →
     * cross-attention over the text → projection, residual; LayerNorm → MLP (GELU), residual. With
     * {@code kvOnly} (the fifth forward) each layer's K and V of the chunk go into the window after
     * that layer's attention has read the old window, and the last layer stops after its QKV.
     */
    private void forward(List<Item> items, int rows, boolean kvOnly) {
        int n = p.tokensPerChunk();
        int d = p.hidden();
        long elements = (long) rows * d;
        long rowBytes = (long) d * 2;
        cuda(cudaMemcpyAsync(at(ws.h()), at(ws.x()), elements * 2, cudaMemcpyDeviceToDevice, stream),
                "cudaMemcpyAsync(x to h)");
        for (int l = 0; l < p.layers(); l++) {
            layerNorm(rows);
            gemm(ws.ln(), rows, d, model.weight(l, 0), 3 * d, ws.qkv());
            boolean last = l == p.layers() - 1;
            if (!(kvOnly && last)) {
                for (int s = 0; s < items.size(); s++) {
                    Item item = items.get(s);
                    long qkv = ws.qkv() + (long) s * n * 3 * rowBytes;
                    attention(qkv, 3 * d, item.state() + layout.windowOffset(l, 0),
                            item.state() + layout.windowOffset(l, 1), d, item.windowTokens(), qkv + rowBytes,
                            qkv + 2 * rowBytes, 3 * d, n, ws.att() + (long) s * n * rowBytes);
                }
            }
            if (kvOnly) {
                for (int s = 0; s < items.size(); s++) {
                    Item item = items.get(s);
                    long qkv = ws.qkv() + (long) s * n * 3 * rowBytes;
                    long cells = (long) n * d;
                    launcher.launch(model.kernels.scatterKv, Launcher.gridFor(cells), 1, 256, stream,
                            item.state() + layout.windowOffset(l, 0), item.state() + layout.windowOffset(l, 1), qkv, n,
                            p.tokensPerFrame(), d, item.header().framesWritten(), p.sinkFrames(), p.windowFrames());
                }
                if (last) {
                    return;
                }
            }
            gemm(ws.att(), rows, d, model.weight(l, 1), d, ws.tmp());
            add(elements);

            layerNorm(rows);
            gemm(ws.ln(), rows, d, model.weight(l, 2), d, ws.q());
            for (int s = 0; s < items.size(); s++) {
                long text = ws.text(p, s, l);
                attention(ws.q() + (long) s * n * rowBytes, d, text, text + rowBytes, 2 * d, p.textTokens(), 0L, 0L, 0, 0,
                        ws.att() + (long) s * n * rowBytes);
            }
            gemm(ws.att(), rows, d, model.weight(l, 4), d, ws.tmp());
            add(elements);

            layerNorm(rows);
            gemm(ws.ln(), rows, d, model.weight(l, 5), p.ffn(), ws.up());
            long inner = (long) rows * p.ffn();
            launcher.launch(model.kernels.gelu, Launcher.gridFor(inner), 1, 256, stream, ws.up(), inner);
            gemm(ws.up(), rows, p.ffn(), model.weight(l, 6), d, ws.tmp());
            add(elements);
        }
    }

    private void attention(long q, int qStride, long k1, long v1, int stride1, int m1, long k2, long v2, int stride2,
            int m2, long out) {
        int nq = p.tokensPerChunk();
        int hd = p.headDim();
        if (attention != Attention.REFERENCE) {
            float scaleLog2 = (float) (1.0 / Math.log(2) / Math.sqrt(hd));
            launcher.launch(attention == Attention.FLASH2 ? model.kernels.flashAttention2 : model.kernels.flashAttention,
                    (nq + 63) / 64, p.heads(), 128, stream, q, qStride, nq, k1, v1, stride1, m1, k2, v2, stride2, m2, out,
                    p.hidden(), scaleLog2);
        } else {
            float scale = (float) (1.0 / Math.sqrt(hd));
            launcher.launch(model.kernels.attentionRef, (nq + 3) / 4, p.heads(), 128, stream, q, qStride, nq, k1, v1,
                    stride1, m1, k2, v2, stride2, m2, out, p.hidden(), hd, scale);
        }
    }

    private void layerNorm(int rows) {
        launcher.launch(model.kernels.layerNorm, rows, 1, 256, stream, ws.h(), ws.ln(), rows, p.hidden());
    }

    private void add(long elements) {
        launcher.launch(model.kernels.add, Launcher.gridFor(elements), 1, 256, stream, ws.h(), ws.tmp(), elements);
    }

    private void fill(long out, long count, long seed, long tensor) {
        launcher.launch(model.kernels.fill, Launcher.gridFor(count), 1, 256, stream, out, count, seed, tensor, 1f);
    }

    /** {@code c[rows × out] = a[rows × in] · w[in × out]}, all row-major bf16, fp32 accumulation. */
    private void gemm(long a, int rows, int in, long w, int out, long c) {
        // Row-major C = A·W is column-major Cᵀ = Wᵀ·Aᵀ: cuBLAS sees W as an out × in column-major matrix.
        cublas(cublasGemmEx(blas, CUBLAS_OP_N, CUBLAS_OP_N, out, rows, in, one, at(w), CUDA_R_16BF, out, at(a),
                CUDA_R_16BF, in, zero, at(c), CUDA_R_16BF, out, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT), "cublasGemmEx");
    }

    /** Copies a state to or from host memory on the copy stream and waits for it. */
    void copyHost(long device, long host, long bytes, boolean toHost) {
        if (toHost) {
            cuda(cudaMemcpyAsync(at(host), at(device), bytes, cudaMemcpyDeviceToHost, copyStream), "cudaMemcpyAsync(offload)");
        } else {
            cuda(cudaMemcpyAsync(at(device), at(host), bytes, cudaMemcpyHostToDevice, copyStream), "cudaMemcpyAsync(restore)");
        }
        sync(copyStream);
    }

    /** Copies between two states on this device, on the copy stream, and waits for it. */
    void copyDevice(long from, long to, long bytes) {
        cuda(cudaMemcpyAsync(at(to), at(from), bytes, cudaMemcpyDeviceToDevice, copyStream), "cudaMemcpyAsync(device)");
        sync(copyStream);
    }

    CUstream_st copyStream() {
        return copyStream;
    }

    static void sync(CUstream_st s) {
        cuda(cudaStreamSynchronize(s), "cudaStreamSynchronize");
    }

    /** Frees what was created, also after a constructor that failed half-way. */
    @Override
    public void close() {
        cudaSetDevice(model.device);
        for (Long address : List.copyOf(states.keySet())) {
            free(address);
        }
        if (stream.address() != 0) {
            cudaStreamSynchronize(stream);
        }
        if (copyStream.address() != 0) {
            cudaStreamSynchronize(copyStream);
        }
        if (workspaceMemory.address() != 0) {
            cudaFree(at(workspaceMemory.address()));
        }
        if (staging.address() != 0) {
            cudaFreeHost(at(staging.address()));
        }
        if (blas.address() != 0) {
            cublasDestroy_v2(blas);
        }
        if (started.address() != 0) {
            cudaEventDestroy(started);
        }
        if (finished.address() != 0) {
            cudaEventDestroy(finished);
        }
        if (stream.address() != 0) {
            cudaStreamDestroy(stream);
        }
        if (copyStream.address() != 0) {
            cudaStreamDestroy(copyStream);
        }
        launcher.close();
        one.close();
        zero.close();
    }
}
