// The element-wise, generator and attention kernels of the CUDA chunk executor (DESIGN.md section 6),
// compiled at start-up with NVRTC, once per device, with
//   -DHD=<head dim> --fmad=false --gpu-architecture=sm_<major><minor>
// No headers: NVRTC compiles this alone, with only its built-in declarations (the device
// intrinsics and math functions used here: __shfl_xor_sync, __syncthreads, expf, exp2f, sqrtf,
// fmaxf, __float_as_uint and the like). Tensors are raw bf16 bits (unsigned short), row-major.
// --fmad=false keeps every multiply and add a separately rounded IEEE operation, as Java's fp32
// arithmetic is: the generator, the residual add and the denoise update give the CPU executor's
// bits. LayerNorm sums in a tree rather than in index order, GELU and attention use expf rather
// than the CPU's polynomial, and the GEMMs (cuBLAS) and attention sum in their own order: those
// differ from the CPU in the last bits, within the 1e-2 of DESIGN.md section 6.

#ifndef HD
#define HD 128
#endif

typedef unsigned short bf16_t;
typedef unsigned long long u64;
// 16 bytes moved as one (a 128-bit load or store); our own, so the source needs no CUDA header.
struct alignas(16) ts_u4 {
    unsigned x, y, z, w;
};

#define TS_GAMMA 0x9E3779B97F4A7C15ULL
#define TS_NEG_INF (__int_as_float(0xff800000))

__device__ __forceinline__ float bf2f(bf16_t v) { return __uint_as_float(((unsigned) v) << 16); }

// Round to nearest, ties to even; NaN stays a quiet NaN (as io.turboserve.executor.cpu.model.Bf16).
__device__ __forceinline__ bf16_t f2bf(float f) {
    unsigned bits = __float_as_uint(f);
    if ((bits & 0x7fffffffu) > 0x7f800000u) {
        return (bf16_t) ((bits >> 16) | 0x0040u);
    }
    unsigned lsb = (bits >> 16) & 1u;
    return (bf16_t) ((bits + 0x7fffu + lsb) >> 16);
}

__device__ __forceinline__ unsigned pack2(float lo, float hi) {
    return ((unsigned) f2bf(hi) << 16) | (unsigned) f2bf(lo);
}

// SplitMix64's output function (CounterRng.mix64).
__device__ __forceinline__ u64 mix64(u64 z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// CounterRng.uniform: ((bits >>> 40) - 2^23) * 2^-23, exact in fp32.
__device__ __forceinline__ float uniform(u64 stream, u64 index) {
    u64 bits = mix64(stream + TS_GAMMA * (index + 1ULL));
    long long top24 = (long long) (bits >> 40);
    return (float) (top24 - (1LL << 23)) * 1.1920928955078125e-7f;
}

// out[i] = bf16(uniform(seed, tensor, i) * scale) for i < count: weights (scale 1/sqrt(in)),
// a chunk's initial noise and a prompt's text tokens (scale 1).
extern "C" __global__ void ts_fill_uniform(bf16_t* out, u64 count, u64 seed, u64 tensor, float scale) {
    u64 stream = mix64(seed + TS_GAMMA * (tensor + 1ULL));
    for (u64 i = blockIdx.x * (u64) blockDim.x + threadIdx.x; i < count; i += (u64) gridDim.x * blockDim.x) {
        out[i] = f2bf(uniform(stream, i) * scale);
    }
}

__device__ __forceinline__ float block_sum(float v, float* scratch) {
    for (int o = 16; o > 0; o >>= 1) {
        v += __shfl_xor_sync(0xffffffffu, v, o);
    }
    int warp = threadIdx.x >> 5;
    int lane = threadIdx.x & 31;
    __syncthreads();
    if (lane == 0) {
        scratch[warp] = v;
    }
    __syncthreads();
    float total = 0.f;
    int warps = (blockDim.x + 31) >> 5;
    for (int w = 0; w < warps; w++) {
        total += scratch[w];
    }
    return total;
}

// LayerNorm without affine parameters, one block per row of width d:
// out = bf16((x - mean) * (1 / sqrt(var + 1e-5))), var the biased variance of the deviations.
extern "C" __global__ void ts_layernorm(const bf16_t* in, bf16_t* out, int rows, int d) {
    __shared__ float scratch[32];
    int row = blockIdx.x;
    if (row >= rows) {
        return;
    }
    const bf16_t* x = in + (u64) row * d;
    float sum = 0.f;
    for (int c = threadIdx.x; c < d; c += blockDim.x) {
        sum += bf2f(x[c]);
    }
    float mean = block_sum(sum, scratch) / (float) d;
    float sq = 0.f;
    for (int c = threadIdx.x; c < d; c += blockDim.x) {
        float dev = bf2f(x[c]) - mean;
        sq += dev * dev;
    }
    float var = block_sum(sq, scratch) / (float) d;
    float inv = 1.f / sqrtf(var + 1e-5f);
    bf16_t* y = out + (u64) row * d;
    for (int c = threadIdx.x; c < d; c += blockDim.x) {
        y[c] = f2bf((bf2f(x[c]) - mean) * inv);
    }
}

// GELU, tanh form, in place: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
extern "C" __global__ void ts_gelu(bf16_t* x, u64 n) {
    for (u64 i = blockIdx.x * (u64) blockDim.x + threadIdx.x; i < n; i += (u64) gridDim.x * blockDim.x) {
        float v = bf2f(x[i]);
        float inner = 0.7978845608f * (v + 0.044715f * v * v * v);
        float t = 1.f - 2.f / (expf(2.f * inner) + 1.f);
        x[i] = f2bf(0.5f * v * (1.f + t));
    }
}

// The residual add: h = bf16(h + delta).
extern "C" __global__ void ts_add(bf16_t* h, const bf16_t* delta, u64 n) {
    for (u64 i = blockIdx.x * (u64) blockDim.x + threadIdx.x; i < n; i += (u64) gridDim.x * blockDim.x) {
        h[i] = f2bf(bf2f(h[i]) + bf2f(delta[i]));
    }
}

// One denoising update: x = bf16(x - alpha * f).
extern "C" __global__ void ts_denoise(bf16_t* x, const bf16_t* f, float alpha, u64 n) {
    for (u64 i = blockIdx.x * (u64) blockDim.x + threadIdx.x; i < n; i += (u64) gridDim.x * blockDim.x) {
        x[i] = f2bf(bf2f(x[i]) - alpha * bf2f(f[i]));
    }
}

// Writes one layer's K and V of a chunk's tokens (columns d..2d and 2d..3d of the QKV rows) into
// the KV window of a packed state: kDst and vDst point at slot 0 of that layer's K and V; frame j
// of the session (counting every frame ever written) goes to slot j while j < sink, otherwise to
// sink + (j - sink) mod (window - sink).
extern "C" __global__ void ts_scatter_kv(bf16_t* kDst, bf16_t* vDst, const bf16_t* qkv, int tokens, int tpf, int d,
        long long framesWritten, int sink, int window) {
    u64 n = (u64) tokens * d;
    for (u64 i = blockIdx.x * (u64) blockDim.x + threadIdx.x; i < n; i += (u64) gridDim.x * blockDim.x) {
        int t = (int) (i / d);
        int c = (int) (i % d);
        long long frame = framesWritten + t / tpf;
        long long slot = frame < sink ? frame : sink + (frame - sink) % (window - sink);
        u64 dst = ((u64) slot * tpf + (t % tpf)) * d + c;
        const bf16_t* src = qkv + (u64) t * 3 * d;
        kDst[dst] = src[d + c];
        vDst[dst] = src[2 * d + c];
    }
}

__device__ __forceinline__ const bf16_t* key_row(const bf16_t* a, int strideA, int mA, const bf16_t* b, int strideB,
        int j) {
    return j < mA ? a + (u64) j * strideA : b + (u64) (j - mA) * strideB;
}

// Reference attention, any head dim up to 256: one warp per (query row, head), two passes (the
// maximum, then the weighted sum), as the CPU executor computes it. Keys and values are the m1 rows
// of (k1, v1) followed by the m2 rows of (k2, v2); the output goes to row i of out, columns of the
// head. Used at the tiny shape and to check the fast kernel.
extern "C" __global__ void ts_attention_ref(const bf16_t* q, int qStride, int nq,
        const bf16_t* k1, const bf16_t* v1, int stride1, int m1,
        const bf16_t* k2, const bf16_t* v2, int stride2, int m2,
        bf16_t* out, int outStride, int hd, float scale) {
    int lane = threadIdx.x & 31;
    int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (row >= nq) {
        return;
    }
    int col = blockIdx.y * hd;
    const bf16_t* qr = q + (u64) row * qStride + col;
    float qv[8];
    for (int r = 0; r < 8; r++) {
        int c = lane + 32 * r;
        qv[r] = c < hd ? bf2f(qr[c]) : 0.f;
    }
    int m = m1 + m2;
    float mx = TS_NEG_INF;
    for (int j = 0; j < m; j++) {
        const bf16_t* kr = key_row(k1, stride1, m1, k2, stride2, j) + col;
        float dot = 0.f;
        for (int r = 0; r < 8; r++) {
            int c = lane + 32 * r;
            if (c < hd) {
                dot += qv[r] * bf2f(kr[c]);
            }
        }
        for (int o = 16; o > 0; o >>= 1) {
            dot += __shfl_xor_sync(0xffffffffu, dot, o);
        }
        mx = fmaxf(mx, dot * scale);
    }
    float sum = 0.f;
    float acc[8] = {0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f};
    for (int j = 0; j < m; j++) {
        const bf16_t* kr = key_row(k1, stride1, m1, k2, stride2, j) + col;
        const bf16_t* vr = key_row(v1, stride1, m1, v2, stride2, j) + col;
        float dot = 0.f;
        for (int r = 0; r < 8; r++) {
            int c = lane + 32 * r;
            if (c < hd) {
                dot += qv[r] * bf2f(kr[c]);
            }
        }
        for (int o = 16; o > 0; o >>= 1) {
            dot += __shfl_xor_sync(0xffffffffu, dot, o);
        }
        float w = expf(dot * scale - mx);
        sum += w;
        for (int r = 0; r < 8; r++) {
            int c = lane + 32 * r;
            if (c < hd) {
                acc[r] += w * bf2f(vr[c]);
            }
        }
    }
    bf16_t* o = out + (u64) row * outStride + col;
    for (int r = 0; r < 8; r++) {
        int c = lane + 32 * r;
        if (c < hd) {
            o[c] = f2bf(acc[r] / sum);
        }
    }
}

// The inline-PTX helpers below (mma.sync, cvt, cp.async, ldmatrix) are replaced, in a test build of
// this source on a CPU (TS_HOST_EMULATION, src/test/emulator), by C++ versions of what the PTX ISA
// specifies for them.
#ifndef TS_HOST_EMULATION
__device__ __forceinline__ void mma_bf16(float* c, unsigned a0, unsigned a1, unsigned a2, unsigned a3, unsigned b0,
        unsigned b1) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
                 "{%0,%1,%2,%3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
}
#endif

__device__ __forceinline__ unsigned load_pair(const bf16_t* p) { return *(const unsigned*) p; }

#define FA_BLOCK_M 64
#define FA_BLOCK_N 64
#define F2_BLOCK_N 32
#define FA_PAD 8

// ---------------------------------------------------------------- tensor-core attention (sm_80+)
//
// Both flash kernels: a block of 4 warps takes 64 query rows of one head; each warp owns 16 rows and
// keeps its queries, running maximum, running sum and output in registers while tiles of K and V
// pass through shared memory. Scores and the output accumulate in fp32 (mma.sync m16n8k16 bf16); the
// softmax weights enter the second product as bf16. Arguments as ts_attention_ref, except that
// every row stride and column offset must be a multiple of 8 elements (16-byte loads) and
// scaleLog2 = log2(e) / sqrt(HD). Fragment layouts (PTX ISA, m16n8k16, g = lane / 4, t = lane % 4):
// A a0 (row g, k 2t..2t+1), a1 (row g+8, same k), a2 (row g, k 2t+8..), a3 (row g+8, k 2t+8..);
// B b0 (k 2t..2t+1, column g), b1 (k 2t+8.., column g); C c0 c1 (row g, columns 2t..2t+1),
// c2 c3 (row g+8, same columns); the lower index of a pair sits in the low half of a register.

#if !defined(__CUDA_ARCH__) || __CUDA_ARCH__ >= 800
#ifndef TS_HOST_EMULATION
// pack2 in one instruction: the same bits for every value but NaN.
__device__ __forceinline__ unsigned pack2_rn(float lo, float hi) {
    unsigned r;
    asm("cvt.rn.bf16x2.f32 %0, %1, %2;\n" : "=r"(r) : "f"(hi), "f"(lo));
    return r;
}

__device__ __forceinline__ unsigned smem_u32(const void* p) {
    unsigned a;
    asm("{ .reg .u64 t; cvta.to.shared.u64 t, %1; cvt.u32.u64 %0, t; }\n" : "=r"(a) : "l"(p));
    return a;
}

// 16 bytes global -> shared without a register round trip; with valid false, 16 zero bytes.
__device__ __forceinline__ void cp_async16(void* smem, const void* gmem, bool valid) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(smem_u32(smem)), "l"(gmem),
                 "r"(valid ? 16 : 0));
}

__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }

__device__ __forceinline__ void cp_async_wait_one() { asm volatile("cp.async.wait_group 1;\n" ::); }

// Four 8x8 bf16 matrices from shared memory: lanes 8i..8i+7 give the row addresses of matrix i;
// lane l gets (row l/4, columns 2(l%4), 2(l%4)+1) of matrix i in register i.
__device__ __forceinline__ void ldsm_x4(unsigned& r0, unsigned& r1, unsigned& r2, unsigned& r3, const void* row) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r0), "=r"(r1), "=r"(r2), "=r"(r3)
                 : "r"(smem_u32(row)));
}

// Two matrices (lanes 0..15 give the addresses).
__device__ __forceinline__ void ldsm_x2(unsigned& r0, unsigned& r1, const void* row) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x2.shared.b16 {%0,%1}, [%2];\n" : "=r"(r0), "=r"(r1) : "r"(smem_u32(row)));
}

// Transposed: lane l gets (rows 2(l%4), 2(l%4)+1, column l/4) of matrix i.
__device__ __forceinline__ void ldsm_x4_trans(unsigned& r0, unsigned& r1, unsigned& r2, unsigned& r3,
        const void* row) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r0), "=r"(r1), "=r"(r2), "=r"(r3)
                 : "r"(smem_u32(row)));
}
#endif

// A warp's 16 query rows (r0 = its row g, r1 = g + 8) as A fragments, one per 16 features; rows
// past nq are zeros.
__device__ __forceinline__ void load_queries(unsigned (&qf)[HD / 16][4], const bf16_t* q, int qStride, int nq, int r0,
        int r1, int col, int tq) {
#pragma unroll
    for (int kc = 0; kc < HD / 16; kc++) {
        int c = col + kc * 16 + tq * 2;
        qf[kc][0] = r0 < nq ? load_pair(q + (u64) r0 * qStride + c) : 0u;
        qf[kc][1] = r1 < nq ? load_pair(q + (u64) r1 * qStride + c) : 0u;
        qf[kc][2] = r0 < nq ? load_pair(q + (u64) r0 * qStride + c + 8) : 0u;
        qf[kc][3] = r1 < nq ? load_pair(q + (u64) r1 * qStride + c + 8) : 0u;
    }
}

// Scales and masks the scores of one key tile (keys n0.. of m; masking only where the tile runs
// past m), in place.
template <int NT>
__device__ __forceinline__ void scale_scores(float (&s)[NT][4], int n0, int m, int tq, float scaleLog2) {
    const bool partial = n0 + NT * 8 > m;
#pragma unroll
    for (int nt = 0; nt < NT; nt++) {
#pragma unroll
        for (int e = 0; e < 4; e++) {
            int key = n0 + nt * 8 + tq * 2 + (e & 1);
            s[nt][e] = !partial || key < m ? s[nt][e] * scaleLog2 : TS_NEG_INF;
        }
    }
}

// The online softmax over one key tile: per half-row (row g: elements 0 1, row g+8: elements 2 3),
// the new running maximum over the quad that shares the row, the scores turned into weights
// 2^(s - max), the running sum, and the output rescaled to the new maximum.
template <int NT>
__device__ __forceinline__ void online_softmax(float (&s)[NT][4], float (&mrow)[2], float (&lrow)[2],
        float (&o)[HD / 8][4]) {
#pragma unroll
    for (int half = 0; half < 2; half++) {
        float mx = TS_NEG_INF;
#pragma unroll
        for (int nt = 0; nt < NT; nt++) {
            mx = fmaxf(mx, fmaxf(s[nt][2 * half], s[nt][2 * half + 1]));
        }
        mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
        mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
        float mnew = fmaxf(mrow[half], mx);
        float corr = exp2f(mrow[half] - mnew);
        float part = 0.f;
#pragma unroll
        for (int nt = 0; nt < NT; nt++) {
            s[nt][2 * half] = exp2f(s[nt][2 * half] - mnew);
            s[nt][2 * half + 1] = exp2f(s[nt][2 * half + 1] - mnew);
            part += s[nt][2 * half] + s[nt][2 * half + 1];
        }
        lrow[half] = lrow[half] * corr + part;
        mrow[half] = mnew;
#pragma unroll
        for (int dt = 0; dt < HD / 8; dt++) {
            o[dt][2 * half] *= corr;
            o[dt][2 * half + 1] *= corr;
        }
    }
}

// The weights of 16 keys (score tiles 2kc and 2kc+1) as the A operand of the product with V.
template <int NT>
__device__ __forceinline__ void weights_fragment(const float (&s)[NT][4], int kc, unsigned& a0, unsigned& a1,
        unsigned& a2, unsigned& a3) {
    a0 = pack2_rn(s[2 * kc][0], s[2 * kc][1]);
    a1 = pack2_rn(s[2 * kc][2], s[2 * kc][3]);
    a2 = pack2_rn(s[2 * kc + 1][0], s[2 * kc + 1][1]);
    a3 = pack2_rn(s[2 * kc + 1][2], s[2 * kc + 1][3]);
}

// Divides by the row sums (summed over the quad first) and writes the warp's rows below nq.
__device__ __forceinline__ void store_rows(const float (&o)[HD / 8][4], float (&lrow)[2], bf16_t* out, int outStride,
        int nq, int r0, int r1, int col, int tq) {
#pragma unroll
    for (int half = 0; half < 2; half++) {
        lrow[half] += __shfl_xor_sync(0xffffffffu, lrow[half], 1);
        lrow[half] += __shfl_xor_sync(0xffffffffu, lrow[half], 2);
    }
#pragma unroll
    for (int dt = 0; dt < HD / 8; dt++) {
        int c = col + dt * 8 + tq * 2;
        if (r0 < nq) {
            *(unsigned*) (out + (u64) r0 * outStride + c) = pack2_rn(o[dt][0] / lrow[0], o[dt][1] / lrow[0]);
        }
        if (r1 < nq) {
            *(unsigned*) (out + (u64) r1 * outStride + c) = pack2_rn(o[dt][2] / lrow[1], o[dt][3] / lrow[1]);
        }
    }
}
#endif

// 64-key tiles, single-buffered, scalar shared-memory loads of the B operands.
extern "C" __global__ void __launch_bounds__(128) ts_flash_attention(const bf16_t* q, int qStride, int nq,
        const bf16_t* k1, const bf16_t* v1, int stride1, int m1,
        const bf16_t* k2, const bf16_t* v2, int stride2, int m2,
        bf16_t* out, int outStride, float scaleLog2) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 800
    __trap(); // bf16 mma.sync needs sm_80; the executor picks ts_attention_ref there
#else
    __shared__ alignas(16) bf16_t ks[FA_BLOCK_N][HD + FA_PAD];
    __shared__ alignas(16) bf16_t vs[FA_BLOCK_N][HD + FA_PAD];
    const int col = blockIdx.y * HD;
    const int warp = threadIdx.x >> 5;
    const int lane = threadIdx.x & 31;
    const int g = lane >> 2;
    const int tq = lane & 3;
    const int r0 = blockIdx.x * FA_BLOCK_M + warp * 16 + g;
    const int r1 = r0 + 8;
    const int m = m1 + m2;

    unsigned qf[HD / 16][4];
    load_queries(qf, q, qStride, nq, r0, r1, col, tq);
    float o[HD / 8][4] = {};
    float mrow[2] = {TS_NEG_INF, TS_NEG_INF};
    float lrow[2] = {0.f, 0.f};

    for (int n0 = 0; n0 < m; n0 += FA_BLOCK_N) {
        __syncthreads();
        for (int v = threadIdx.x; v < FA_BLOCK_N * HD / 8; v += blockDim.x) {
            int r = v / (HD / 8);
            int c = (v % (HD / 8)) * 8;
            int j = n0 + r;
            ts_u4 kv = {0u, 0u, 0u, 0u};
            ts_u4 vv = {0u, 0u, 0u, 0u};
            if (j < m) {
                kv = *(const ts_u4*) (key_row(k1, stride1, m1, k2, stride2, j) + col + c);
                vv = *(const ts_u4*) (key_row(v1, stride1, m1, v2, stride2, j) + col + c);
            }
            *(ts_u4*) &ks[r][c] = kv;
            *(ts_u4*) &vs[r][c] = vv;
        }
        __syncthreads();

        float s[FA_BLOCK_N / 8][4];
#pragma unroll
        for (int nt = 0; nt < FA_BLOCK_N / 8; nt++) {
            s[nt][0] = s[nt][1] = s[nt][2] = s[nt][3] = 0.f;
#pragma unroll
            for (int kc = 0; kc < HD / 16; kc++) {
                const bf16_t* kr = &ks[nt * 8 + g][kc * 16 + tq * 2];
                mma_bf16(s[nt], qf[kc][0], qf[kc][1], qf[kc][2], qf[kc][3], load_pair(kr), load_pair(kr + 8));
            }
        }
        scale_scores(s, n0, m, tq, scaleLog2);
        online_softmax(s, mrow, lrow, o);
#pragma unroll
        for (int kc = 0; kc < FA_BLOCK_N / 16; kc++) {
            unsigned a0, a1, a2, a3;
            weights_fragment(s, kc, a0, a1, a2, a3);
            int k0 = kc * 16 + tq * 2;
#pragma unroll
            for (int dt = 0; dt < HD / 8; dt++) {
                int n = dt * 8 + g;
                unsigned b0 = ((unsigned) vs[k0 + 1][n] << 16) | (unsigned) vs[k0][n];
                unsigned b1 = ((unsigned) vs[k0 + 9][n] << 16) | (unsigned) vs[k0 + 8][n];
                mma_bf16(o[dt], a0, a1, a2, a3, b0, b1);
            }
        }
    }
    store_rows(o, lrow, out, outStride, nq, r0, r1, col, tq);
#endif
}

// The faster one: 32-key tiles of K and V double-buffered in shared memory and filled with
// cp.async while the previous tile is computed; the B operands come from ldmatrix (K as is, V
// transposed) instead of scalar loads. Same arguments, same results up to summation order.
extern "C" __global__ void __launch_bounds__(128) ts_flash_attention2(const bf16_t* q, int qStride, int nq,
        const bf16_t* k1, const bf16_t* v1, int stride1, int m1,
        const bf16_t* k2, const bf16_t* v2, int stride2, int m2,
        bf16_t* out, int outStride, float scaleLog2) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 800
    __trap(); // cp.async, ldmatrix and bf16 mma.sync need sm_80
#else
    __shared__ alignas(16) bf16_t ks[2][F2_BLOCK_N][HD + FA_PAD];
    __shared__ alignas(16) bf16_t vs[2][F2_BLOCK_N][HD + FA_PAD];
    const int col = blockIdx.y * HD;
    const int warp = threadIdx.x >> 5;
    const int lane = threadIdx.x & 31;
    const int g = lane >> 2;
    const int tq = lane & 3;
    const int lr = lane & 7;
    const int li = lane >> 3;
    const int r0 = blockIdx.x * FA_BLOCK_M + warp * 16 + g;
    const int r1 = r0 + 8;
    const int m = m1 + m2;

    unsigned qf[HD / 16][4];
    load_queries(qf, q, qStride, nq, r0, r1, col, tq);
    float o[HD / 8][4] = {};
    float mrow[2] = {TS_NEG_INF, TS_NEG_INF};
    float lrow[2] = {0.f, 0.f};

    auto load = [&](int buf, int n0) {
        for (int v = threadIdx.x; v < F2_BLOCK_N * HD / 8; v += blockDim.x) {
            int r = v / (HD / 8);
            int c = (v % (HD / 8)) * 8;
            int j = n0 + r;
            bool valid = j < m;
            const bf16_t* kp = valid ? key_row(k1, stride1, m1, k2, stride2, j) + col + c : q;
            const bf16_t* vp = valid ? key_row(v1, stride1, m1, v2, stride2, j) + col + c : q;
            cp_async16(&ks[buf][r][c], kp, valid);
            cp_async16(&vs[buf][r][c], vp, valid);
        }
        cp_async_commit();
    };

    load(0, 0);
    int buf = 0;
    for (int n0 = 0; n0 < m; n0 += F2_BLOCK_N, buf ^= 1) {
        if (n0 + F2_BLOCK_N < m) {
            load(buf ^ 1, n0 + F2_BLOCK_N);
        } else {
            cp_async_commit();
        }
        cp_async_wait_one();
        __syncthreads();

        float s[F2_BLOCK_N / 8][4];
#pragma unroll
        for (int nt = 0; nt < F2_BLOCK_N / 8; nt++) {
            s[nt][0] = s[nt][1] = s[nt][2] = s[nt][3] = 0.f;
            int kc = 0;
#pragma unroll
            for (; kc + 1 < HD / 16; kc += 2) {
                unsigned b0, b1, b2, b3;
                ldsm_x4(b0, b1, b2, b3, &ks[buf][nt * 8 + lr][kc * 16 + li * 8]);
                mma_bf16(s[nt], qf[kc][0], qf[kc][1], qf[kc][2], qf[kc][3], b0, b1);
                mma_bf16(s[nt], qf[kc + 1][0], qf[kc + 1][1], qf[kc + 1][2], qf[kc + 1][3], b2, b3);
            }
            if (kc < HD / 16) {
                unsigned b0, b1;
                ldsm_x2(b0, b1, &ks[buf][nt * 8 + lr][kc * 16 + (li & 1) * 8]);
                mma_bf16(s[nt], qf[kc][0], qf[kc][1], qf[kc][2], qf[kc][3], b0, b1);
            }
        }
        scale_scores(s, n0, m, tq, scaleLog2);
        online_softmax(s, mrow, lrow, o);
#pragma unroll
        for (int kc = 0; kc < F2_BLOCK_N / 16; kc++) {
            unsigned a0, a1, a2, a3;
            weights_fragment(s, kc, a0, a1, a2, a3);
#pragma unroll
            for (int dt = 0; dt < HD / 8; dt += 2) {
                unsigned b0, b1, b2, b3;
                ldsm_x4_trans(b0, b1, b2, b3, &vs[buf][kc * 16 + (li & 1) * 8 + lr][(dt + (li >> 1)) * 8]);
                mma_bf16(o[dt], a0, a1, a2, a3, b0, b1);
                mma_bf16(o[dt + 1], a0, a1, a2, a3, b2, b3);
            }
        }
        __syncthreads();
    }
    store_rows(o, lrow, out, outStride, nq, r0, r1, col, tq);
#endif
}
