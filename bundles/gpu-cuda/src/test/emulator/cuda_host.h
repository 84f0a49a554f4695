// A CPU stand-in for the part of CUDA that kernels.cu uses, so that its kernels run, unchanged, on a
// machine without a GPU (KernelEmulationTest). Not a performance tool: it checks what the kernels
// compute, not how fast.
//
// One block runs at a time. Each of its threads is a fiber on the calling thread (an x86-64 stack
// switch of the callee-saved registers: swapcontext's signal-mask system calls made it 30 times
// slower), run
// until it finishes or reaches a barrier; a __syncthreads releases when every live thread of the
// block waits at one, a warp collective when every lane of the warp does. Anything else (lanes of
// one warp at different barriers, a collective after a lane has exited) is reported and aborts, so
// a divergent barrier shows up as an error rather than a hang. __shared__ arrays are function
// statics, shared by the block's fibers, which is right because blocks run one after another.
//
// The inline-PTX helpers of kernels.cu are replaced by what the PTX ISA specifies for them:
//  - mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32, with the fragment layouts of the ISA
//    (g = lane / 4, t = lane % 4): A a0 = (g, 2t..2t+1), a1 = (g+8, 2t..), a2 = (g, 2t+8..),
//    a3 = (g+8, 2t+8..); B b0 = (k 2t..2t+1, n g), b1 = (k 2t+8.., n g); C c0 c1 = (g, 2t..2t+1),
//    c2 c3 = (g+8, 2t..); the lower index of a pair in the low half. Products summed in fp32 in k
//    order (the tensor core's own order differs in the last bits).
//  - ldmatrix.m8n8.x4/.x2 (.trans): lane 8i+r gives the address of row r of matrix i; lane l gets
//    (row l/4, columns 2(l%4), 2(l%4)+1) of matrix i in register i, transposed: (rows 2(l%4),
//    2(l%4)+1, column l/4).
//  - cvt.rn.bf16x2.f32 d, a, b: a rounded to nearest even into the upper half, b into the lower.
//  - cp.async: the 16 bytes are read at issue and land in shared memory either only when a
//    cp.async.wait_group lets their group complete (emu::eager_copies false: a tile read before
//    its wait shows up) or at once (true: a tile overwritten while another warp still reads it,
//    for want of a barrier, shows up). Run both.
// A warp runs on through its collectives (lane hands over to lane) until it reaches a
// __syncthreads or ends, so warps drift apart as far as the barriers let them, as they may on a
// GPU: a missing barrier between warps then shows. The scheduler runs the warps forwards and
// backwards on alternate passes.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <vector>

#if !defined(__x86_64__)
#error "the kernel emulator switches stacks with x86-64 code"
#endif

// Saves the callee-saved registers on the current stack, stores the stack pointer in *from, and
// resumes the stack at `to` where it was saved (or, the first time, at its entry function).
extern "C" void ts_emu_switch(void** from, void* to);
asm(R"(
    .text
    .globl ts_emu_switch
    .type ts_emu_switch, @function
ts_emu_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size ts_emu_switch, .-ts_emu_switch
)");

#define TS_HOST_EMULATION 1
#define __global__
#define __device__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static
// "__shared__ alignas(16) T a[n]" is valid CUDA; in host C++ alignas may not follow static, a GNU
// attribute may.
#define alignas(n) __attribute__((aligned(n)))

struct ts_dim3 {
    unsigned x = 1, y = 1, z = 1;
};

namespace emu {

struct Pending {
    void* dst;
    unsigned char bytes[16];
};

struct Fiber {
    void* sp = nullptr;
    std::vector<char> stack;
    ts_dim3 idx;
    int lane = 0;
    int warp = 0;
    bool done = false;
    int waiting = 0; // 0 runnable, 1 at a warp collective, 2 at __syncthreads
    std::vector<Pending> open;
    std::vector<std::vector<Pending>> groups;
};

// What each lane hands a warp collective.
struct LaneSlot {
    float f;
    unsigned a[4];
    unsigned b[2];
    float c[4];
    unsigned short row[8]; // the 16 bytes at the address a lane gave ldmatrix, read when it gave it
};

inline ts_dim3 grid_dim, block_dim, block_idx;
inline std::vector<Fiber> fibers;
// Per warp of the running block: lanes not yet finished, and lanes waiting at a collective.
struct WarpCount {
    int live;
    int arrived;
};
inline std::vector<WarpCount> warps;
inline std::vector<LaneSlot> slots;
inline Fiber* current;
inline void* scheduler = nullptr;
inline std::function<void()> body;
inline const char* kernel_name = "";
inline bool eager_copies = false;
inline unsigned long long drift = 0x9E3779B97F4A7C15ULL;

// One time in three, true: hold this warp back for a pass.
inline bool hold_back() {
    drift = drift * 6364136223846793005ULL + 1442695040888963407ULL;
    return (drift >> 33) % 3 == 0;
}

[[noreturn]] inline void fail(const char* what) {
    std::fprintf(stderr, "emulator: %s in %s, block (%u, %u), thread %u\n", what, kernel_name, block_idx.x,
            block_idx.y, current != nullptr ? current->idx.x : 0u);
    std::exit(3);
}

inline void park(int kind) {
    current->waiting = kind;
    if (kind == 1) {
        // A warp collective: the last lane to arrive releases the warp and goes on; the others hand
        // over to the next lane of their warp that can run, without a round trip to the scheduler.
        Fiber* warp = &fibers[current->warp * 32];
        WarpCount& count = warps[current->warp];
        if (count.live < 32) {
            fail("a warp collective after some lanes of the warp exited");
        }
        if (++count.arrived == 32) {
            count.arrived = 0;
            for (int l = 0; l < 32; l++) {
                warp[l].waiting = 0;
            }
            return;
        }
        for (int k = 1; k < 32; k++) {
            Fiber* next = &warp[(current->lane + k) % 32];
            if (!next->done && next->waiting == 0) {
                Fiber* me = current;
                current = next;
                ts_emu_switch(&me->sp, next->sp);
                return;
            }
        }
    }
    ts_emu_switch(&current->sp, scheduler);
}

// A warp collective's rendezvous: every lane of the warp must be live and reach it.
inline void warp_sync() {
    park(1);
}

inline LaneSlot& my_slot() {
    return slots[current->idx.x];
}

inline LaneSlot& lane_slot(int lane) {
    return slots[current->warp * 32 + lane];
}

[[noreturn]] inline void entry() {
    body();
    current->done = true;
    warps[current->warp].live--;
    ts_emu_switch(&current->sp, scheduler);
    std::abort(); // a finished fiber is never resumed
}

// A fresh stack whose first switch "returns" into entry() with the alignment of a called function.
inline void* fresh_stack(std::vector<char>& stack) {
    uintptr_t top = ((uintptr_t) stack.data() + stack.size()) & ~(uintptr_t) 15;
    void** sp = (void**) (top - 16);
    sp[0] = (void*) &entry;
    for (int r = 1; r <= 6; r++) {
        sp[-r] = nullptr; // rbp, rbx, r12..r15
    }
    return sp - 6;
}

inline void run_block() {
    size_t n = block_dim.x;
    if (block_dim.y != 1 || block_dim.z != 1 || n % 32 != 0) {
        fail("blocks must be one-dimensional and whole warps");
    }
    fibers.resize(n);
    slots.assign(n, LaneSlot{});
    warps.assign(n / 32, WarpCount{32, 0});
    for (size_t i = 0; i < n; i++) {
        Fiber& f = fibers[i];
        f.stack.resize(256 * 1024);
        f.idx = ts_dim3{(unsigned) i, 0, 0};
        f.lane = (int) (i & 31);
        f.warp = (int) (i >> 5);
        f.done = false;
        f.waiting = 0;
        f.open.clear();
        f.groups.clear();
        f.sp = fresh_stack(f.stack);
    }
    for (size_t pass = 0;; pass++) {
        bool ran = false;
        for (size_t k = 0; k < n; k++) {
            Fiber& f = fibers[pass % 2 == 0 ? k : n - 1 - k];
            if (!f.done && f.waiting == 0) {
                current = &f;
                ts_emu_switch(&scheduler, f.sp);
                ran = true;
            }
        }
        current = nullptr;
        size_t live = 0;
        size_t atBlock = 0;
        for (const Fiber& f : fibers) {
            live += f.done ? 0 : 1;
            atBlock += !f.done && f.waiting == 2 ? 1 : 0;
        }
        if (live == 0) {
            return;
        }
        bool released = false;
        bool held = false;
        for (size_t w = 0; w < n / 32; w++) {
            int atWarp = 0;
            int exited = 0;
            for (int l = 0; l < 32; l++) {
                const Fiber& f = fibers[w * 32 + l];
                atWarp += !f.done && f.waiting == 1 ? 1 : 0;
                exited += f.done ? 1 : 0;
            }
            if (atWarp > 0 && atWarp + exited == 32 && exited > 0) {
                current = &fibers[w * 32];
                fail("a warp collective after some lanes of the warp exited");
            }
            if (atWarp == 32 && n > 32 && hold_back()) {
                held = true;
            } else if (atWarp == 32) {
                warps[w].arrived = 0;
                for (int l = 0; l < 32; l++) {
                    fibers[w * 32 + l].waiting = 0;
                }
                released = true;
            }
        }
        if (!released && atBlock == live) {
            for (Fiber& f : fibers) {
                f.waiting = 0;
            }
            released = true;
        }
        if (!released && !ran && !held) {
            current = &fibers[0];
            fail("deadlock: threads wait at different barriers (a divergent __syncthreads or warp collective)");
        }
    }
}

// Runs kernel(args...) as a grid of gx × gy blocks of bx threads.
inline void launch(const char* name, unsigned gx, unsigned gy, unsigned bx, std::function<void()> kernel) {
    kernel_name = name;
    grid_dim = ts_dim3{gx, gy, 1};
    block_dim = ts_dim3{bx, 1, 1};
    body = std::move(kernel);
    for (unsigned y = 0; y < gy; y++) {
        for (unsigned x = 0; x < gx; x++) {
            block_idx = ts_dim3{x, y, 0};
            run_block();
        }
    }
}

inline float bf16_to_float(unsigned short v) {
    unsigned bits = ((unsigned) v) << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

// Round to nearest, ties to even (NaN stays NaN).
inline unsigned short float_to_bf16(float f) {
    unsigned bits;
    std::memcpy(&bits, &f, 4);
    if ((bits & 0x7fffffffu) > 0x7f800000u) {
        return (unsigned short) ((bits >> 16) | 0x40u);
    }
    return (unsigned short) ((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

inline float half_of(unsigned reg, int k) {
    return bf16_to_float((unsigned short) ((k & 1) ? reg >> 16 : reg & 0xffffu));
}

} // namespace emu

#define threadIdx (emu::current->idx)
#define blockIdx (emu::block_idx)
#define blockDim (emu::block_dim)
#define gridDim (emu::grid_dim)

inline float __int_as_float(int i) {
    float f;
    std::memcpy(&f, &i, 4);
    return f;
}

inline float __uint_as_float(unsigned u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

inline unsigned __float_as_uint(float f) {
    unsigned u;
    std::memcpy(&u, &f, 4);
    return u;
}

inline void __syncthreads() {
    emu::park(2);
}

inline float __shfl_xor_sync(unsigned mask, float v, int laneMask) {
    if (mask != 0xffffffffu) {
        emu::fail("__shfl_xor_sync with a partial mask");
    }
    emu::my_slot().f = v;
    emu::warp_sync();
    float r = emu::lane_slot(emu::current->lane ^ laneMask).f;
    emu::warp_sync();
    return r;
}

inline void mma_bf16(float* c, unsigned a0, unsigned a1, unsigned a2, unsigned a3, unsigned b0, unsigned b1) {
    emu::LaneSlot& mine = emu::my_slot();
    mine.a[0] = a0;
    mine.a[1] = a1;
    mine.a[2] = a2;
    mine.a[3] = a3;
    mine.b[0] = b0;
    mine.b[1] = b1;
    emu::warp_sync();
    int g = emu::current->lane >> 2;
    int t = emu::current->lane & 3;
    float d[4];
    for (int e = 0; e < 4; e++) {
        int row = g + (e >= 2 ? 8 : 0);
        int col = 2 * t + (e & 1);
        float acc = c[e];
        for (int k = 0; k < 16; k++) {
            const emu::LaneSlot& aHolder = emu::lane_slot((row % 8) * 4 + (k % 8) / 2);
            float a = emu::half_of(aHolder.a[(row < 8 ? 0 : 1) + (k < 8 ? 0 : 2)], k);
            const emu::LaneSlot& bHolder = emu::lane_slot(col * 4 + (k % 8) / 2);
            float b = emu::half_of(bHolder.b[k < 8 ? 0 : 1], k);
            acc += a * b;
        }
        d[e] = acc;
    }
    emu::warp_sync();
    for (int e = 0; e < 4; e++) {
        c[e] = d[e];
    }
}

inline unsigned pack2_rn(float lo, float hi) {
    return ((unsigned) emu::float_to_bf16(hi) << 16) | emu::float_to_bf16(lo);
}

inline void cp_async16(void* smem, const void* gmem, bool valid) {
    if (emu::eager_copies) {
        if (valid) {
            std::memcpy(smem, gmem, 16);
        } else {
            std::memset(smem, 0, 16);
        }
        return;
    }
    emu::Pending p;
    p.dst = smem;
    if (valid) {
        std::memcpy(p.bytes, gmem, 16);
    } else {
        std::memset(p.bytes, 0, 16);
    }
    emu::current->open.push_back(p);
}

inline void cp_async_commit() {
    emu::current->groups.push_back(std::move(emu::current->open));
    emu::current->open.clear();
}

inline void cp_async_wait_one() {
    auto& groups = emu::current->groups;
    while (groups.size() > 1) {
        for (const emu::Pending& p : groups.front()) {
            std::memcpy(p.dst, p.bytes, 16);
        }
        groups.erase(groups.begin());
    }
}

// Matrix i's row r comes from the address lane 8i + r gave. Each lane reads its row when it
// reaches the instruction (before the warp's rendezvous), so a row that another warp has not yet
// written, for want of a barrier, is read stale.
inline void ldsm(unsigned* r, int matrices, bool trans, const void* row) {
    std::memcpy(emu::my_slot().row, row, 16);
    emu::warp_sync();
    int l = emu::current->lane;
    for (int i = 0; i < matrices; i++) {
        if (!trans) {
            const unsigned short* src = emu::lane_slot(8 * i + l / 4).row;
            r[i] = ((unsigned) src[2 * (l % 4) + 1] << 16) | src[2 * (l % 4)];
        } else {
            const unsigned short* lo = emu::lane_slot(8 * i + 2 * (l % 4)).row;
            const unsigned short* hi = emu::lane_slot(8 * i + 2 * (l % 4) + 1).row;
            r[i] = ((unsigned) hi[l / 4] << 16) | lo[l / 4];
        }
    }
    emu::warp_sync();
}

inline void ldsm4(bool trans, unsigned& r0, unsigned& r1, unsigned& r2, unsigned& r3, const void* row) {
    unsigned r[4];
    ldsm(r, 4, trans, row);
    r0 = r[0];
    r1 = r[1];
    r2 = r[2];
    r3 = r[3];
}

inline void ldsm_x4(unsigned& r0, unsigned& r1, unsigned& r2, unsigned& r3, const void* row) {
    ldsm4(false, r0, r1, r2, r3, row);
}

inline void ldsm_x2(unsigned& r0, unsigned& r1, const void* row) {
    unsigned r[2];
    ldsm(r, 2, false, row);
    r0 = r[0];
    r1 = r[1];
}

inline void ldsm_x4_trans(unsigned& r0, unsigned& r1, unsigned& r2, unsigned& r3, const void* row) {
    ldsm4(true, r0, r1, r2, r3, row);
}
