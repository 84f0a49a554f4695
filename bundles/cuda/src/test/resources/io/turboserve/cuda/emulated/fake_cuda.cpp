// Stand-ins for the CUDA libraries that JavaCPP's CUDA presets link against (libcudart.so.13,
// libcuda.so.1, libcublas.so.13, libcublasLt.so.13, libnvrtc.so.13, libnccl.so.2), so that the real
// Java code, through the real JNI bindings, runs on a machine without a GPU (EmulatedCuda, in the
// test jar of io.turboserve.cuda). One source, built once per library with -DFAKE_CUDART,
// -DFAKE_DRIVER, -DFAKE_CUBLAS, -DFAKE_CUBLASLT, -DFAKE_NVRTC or -DFAKE_NCCL, each with a version
// script naming its soname (the bindings ask for versioned symbols). Only what our bundles call is
// here; the bindings' other symbols stay unresolved, which the dynamic linker allows until one is
// called.
//
// "Device" memory is host memory (TS_FAKE_MEMORY_GIB per device, default 4; TS_FAKE_GPUS devices,
// default 1), copies are memcpy, streams and events are synchronous, GEMMs are a plain loop with
// fp32 sums, NVRTC "compiles" to a token that names the head dim, and NCCL matches the sends and
// receives of a group and copies. With -DFAKE_KERNELS the driver runs the CUDA executor's
// kernels.cu under its emulator, cuda_host.h (built for one head dim, -DHD). It checks behaviour,
// not speed: every figure of run/gpu-check needs a real GPU.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#define FAKE_DEVICE_NAME "CPU emulation of a CUDA device (no GPU)"
#define FAKE_IMAGE_PREFIX "TS-EMULATED-KERNELS HD="

// ------------------------------------------------------------------------------------ cudart
#ifdef FAKE_CUDART
#include <chrono>
#include <map>
#include <mutex>

// The runtime's types and values, as CUDA 13's headers define them (no CUDA header needed here).
typedef int cudaError_t;
typedef void* cudaStream_t;
typedef void* cudaEvent_t;
const cudaError_t cudaSuccess = 0;
const cudaError_t cudaErrorInvalidValue = 1;
const cudaError_t cudaErrorMemoryAllocation = 2;
const cudaError_t cudaErrorNoDevice = 100;
const cudaError_t cudaErrorInvalidDevice = 101;
const int cudaDevAttrComputeMode = 20;
const int cudaComputeModeDefault = 0;
// struct cudaDeviceProp: 1008 bytes; the fields the probe reads, at their offsets.
const size_t PROP_BYTES = 1008, PROP_NAME = 0, PROP_NAME_BYTES = 256, PROP_TOTAL_MEM = 288, PROP_MAJOR = 360,
             PROP_MINOR = 364, PROP_SM_COUNT = 384;

namespace {
std::mutex lock;
std::map<void*, std::pair<int, size_t>> allocations; // address -> (device, bytes)
std::map<int, size_t> used;
thread_local int device = 0;

int gpus() {
    const char* n = std::getenv("TS_FAKE_GPUS");
    return n == nullptr ? 1 : std::atoi(n);
}

size_t total() {
    const char* g = std::getenv("TS_FAKE_MEMORY_GIB");
    return (size_t) (g == nullptr ? 4 : std::atoi(g)) << 30;
}

struct Event {
    double ms;
};

double now_ms() {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
} // namespace

extern "C" {
cudaError_t cudaDriverGetVersion(int* v) {
    *v = 13000;
    return cudaSuccess;
}

cudaError_t cudaRuntimeGetVersion(int* v) {
    *v = 13000;
    return cudaSuccess;
}

cudaError_t cudaGetDeviceCount(int* n) {
    *n = gpus();
    return *n > 0 ? cudaSuccess : cudaErrorNoDevice;
}

cudaError_t cudaGetDeviceProperties(void* p, int d) {
    if (d < 0 || d >= gpus()) {
        return cudaErrorInvalidDevice;
    }
    char* b = (char*) p;
    std::memset(b, 0, PROP_BYTES);
    std::snprintf(b + PROP_NAME, PROP_NAME_BYTES, "%s", FAKE_DEVICE_NAME);
    size_t bytes = total();
    int major = 9, minor = 0, sms = 4;
    std::memcpy(b + PROP_TOTAL_MEM, &bytes, sizeof bytes);
    std::memcpy(b + PROP_MAJOR, &major, sizeof major);
    std::memcpy(b + PROP_MINOR, &minor, sizeof minor);
    std::memcpy(b + PROP_SM_COUNT, &sms, sizeof sms);
    return cudaSuccess;
}

cudaError_t cudaDeviceGetAttribute(int* value, int attr, int d) {
    if (d < 0 || d >= gpus()) {
        return cudaErrorInvalidDevice;
    }
    *value = attr == cudaDevAttrComputeMode ? cudaComputeModeDefault : 0;
    return cudaSuccess;
}

const char* cudaGetErrorName(cudaError_t e) {
    return e == cudaSuccess ? "cudaSuccess" : "cudaErrorEmulated";
}

const char* cudaGetErrorString(cudaError_t e) {
    return e == cudaSuccess ? "no error" : "error in the CUDA emulation";
}

cudaError_t cudaGetLastError(void) {
    return cudaSuccess;
}

cudaError_t cudaSetDevice(int d) {
    if (d < 0 || d >= gpus()) {
        return cudaErrorInvalidDevice;
    }
    device = d;
    return cudaSuccess;
}

cudaError_t cudaGetDevice(int* d) {
    *d = device;
    return cudaSuccess;
}

cudaError_t cudaMalloc(void** p, size_t bytes) {
    std::lock_guard<std::mutex> g(lock);
    if (used[device] + bytes > total()) {
        return cudaErrorMemoryAllocation;
    }
    *p = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
    if (*p == nullptr) {
        return cudaErrorMemoryAllocation;
    }
    allocations[*p] = {device, bytes};
    used[device] += bytes;
    return cudaSuccess;
}

cudaError_t cudaFree(void* p) {
    std::lock_guard<std::mutex> g(lock);
    auto it = allocations.find(p);
    if (it == allocations.end()) {
        return p == nullptr ? cudaSuccess : cudaErrorInvalidValue;
    }
    used[it->second.first] -= it->second.second;
    allocations.erase(it);
    std::free(p);
    return cudaSuccess;
}

cudaError_t cudaMemGetInfo(size_t* free, size_t* all) {
    std::lock_guard<std::mutex> g(lock);
    *free = total() - used[device];
    *all = total();
    return cudaSuccess;
}

cudaError_t cudaMallocHost(void** p, size_t bytes) {
    *p = std::aligned_alloc(4096, (bytes + 4095) / 4096 * 4096);
    return *p == nullptr ? cudaErrorMemoryAllocation : cudaSuccess;
}

cudaError_t cudaFreeHost(void* p) {
    std::free(p);
    return cudaSuccess;
}

cudaError_t cudaHostRegister(void*, size_t, unsigned int) {
    return cudaSuccess;
}

cudaError_t cudaHostUnregister(void*) {
    return cudaSuccess;
}

cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, int, cudaStream_t) {
    std::memmove(dst, src, bytes);
    return cudaSuccess;
}

cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, int) {
    std::memmove(dst, src, bytes);
    return cudaSuccess;
}

cudaError_t cudaMemset(void* dst, int value, size_t bytes) {
    std::memset(dst, value, bytes);
    return cudaSuccess;
}

cudaError_t cudaMemsetAsync(void* dst, int value, size_t bytes, cudaStream_t) {
    std::memset(dst, value, bytes);
    return cudaSuccess;
}

cudaError_t cudaMemcpyPeerAsync(void* dst, int, const void* src, int, size_t bytes, cudaStream_t) {
    std::memmove(dst, src, bytes);
    return cudaSuccess;
}

cudaError_t cudaDeviceCanAccessPeer(int* can, int, int) {
    *can = 1;
    return cudaSuccess;
}

cudaError_t cudaDeviceSynchronize(void) {
    return cudaSuccess;
}

cudaError_t cudaStreamCreate(cudaStream_t* s) {
    *s = (cudaStream_t) new int(0);
    return cudaSuccess;
}

cudaError_t cudaStreamCreateWithFlags(cudaStream_t* s, unsigned int) {
    return cudaStreamCreate(s);
}

cudaError_t cudaStreamDestroy(cudaStream_t s) {
    delete (int*) s;
    return cudaSuccess;
}

cudaError_t cudaStreamSynchronize(cudaStream_t) {
    return cudaSuccess;
}

cudaError_t cudaEventCreate(cudaEvent_t* e) {
    *e = (cudaEvent_t) new Event{0};
    return cudaSuccess;
}

cudaError_t cudaEventDestroy(cudaEvent_t e) {
    delete (Event*) e;
    return cudaSuccess;
}

cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t) {
    ((Event*) e)->ms = now_ms();
    return cudaSuccess;
}

cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end) {
    *ms = (float) (((Event*) end)->ms - ((Event*) start)->ms);
    return cudaSuccess;
}
}
#endif

// ------------------------------------------------------------------------------------ driver
#ifdef FAKE_DRIVER
#ifdef FAKE_KERNELS
#include "cuda_host.h"
#include "kernels.cu"
#else
#define HD 0 // no kernels: every module is refused
#endif

#include <mutex>

namespace {
typedef int CUresult;
const CUresult OK = 0;
const CUresult INVALID_VALUE = 1;
const CUresult INVALID_IMAGE = 200;
const CUresult NOT_FOUND = 500;

struct Module {
    int hd;
};

struct Function {
    std::string name;
};

void* P(void** params, int i) {
    return *(void**) params[i];
}

int I(void** params, int i) {
    return *(int*) params[i];
}

unsigned long long U(void** params, int i) {
    return *(unsigned long long*) params[i];
}

float F(void** params, int i) {
    return *(float*) params[i];
}

#ifdef FAKE_KERNELS
typedef unsigned short B;
#endif

// The emulator runs one grid at a time (its scheduler is global); workers on other threads wait.
std::mutex launching;
} // namespace

extern "C" {
CUresult cuModuleLoadData(void** module, const void* image) {
    const char* text = (const char*) image;
    size_t prefix = std::strlen(FAKE_IMAGE_PREFIX);
    if (HD == 0 || std::strncmp(text, FAKE_IMAGE_PREFIX, prefix) != 0 || std::atoi(text + prefix) != HD) {
        std::fprintf(stderr, "fake libcuda: not an image of this emulator (built for HD=%d)\n", HD);
        return INVALID_IMAGE;
    }
    *module = new Module{HD};
    return OK;
}

CUresult cuModuleUnload(void* module) {
    delete (Module*) module;
    return OK;
}

CUresult cuModuleGetFunction(void** function, void* module, const char* name) {
    static const char* known[] = {"ts_fill_uniform", "ts_layernorm", "ts_gelu", "ts_add", "ts_denoise",
        "ts_scatter_kv", "ts_attention_ref", "ts_flash_attention", "ts_flash_attention2"};
    if (module == nullptr) {
        return INVALID_VALUE;
    }
    for (const char* k : known) {
        if (std::strcmp(k, name) == 0) {
            *function = new Function{name};
            return OK;
        }
    }
    return NOT_FOUND;
}

CUresult cuLaunchKernel(void* function, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
        unsigned shared, void* stream, void** a, void** extra) {
    if (function == nullptr || gz != 1 || by != 1 || bz != 1 || shared != 0 || extra != nullptr || a == nullptr) {
        return INVALID_VALUE;
    }
#ifndef FAKE_KERNELS
    return INVALID_VALUE;
#else
    std::lock_guard<std::mutex> one(launching);
    const std::string& n = ((Function*) function)->name;
    const char* name = n.c_str();
    if (n == "ts_fill_uniform") {
        emu::launch(name, gx, gy, bx, [&] { ts_fill_uniform((B*) P(a, 0), U(a, 1), U(a, 2), U(a, 3), F(a, 4)); });
    } else if (n == "ts_layernorm") {
        emu::launch(name, gx, gy, bx, [&] { ts_layernorm((const B*) P(a, 0), (B*) P(a, 1), I(a, 2), I(a, 3)); });
    } else if (n == "ts_gelu") {
        emu::launch(name, gx, gy, bx, [&] { ts_gelu((B*) P(a, 0), U(a, 1)); });
    } else if (n == "ts_add") {
        emu::launch(name, gx, gy, bx, [&] { ts_add((B*) P(a, 0), (const B*) P(a, 1), U(a, 2)); });
    } else if (n == "ts_denoise") {
        emu::launch(name, gx, gy, bx, [&] { ts_denoise((B*) P(a, 0), (const B*) P(a, 1), F(a, 2), U(a, 3)); });
    } else if (n == "ts_scatter_kv") {
        emu::launch(name, gx, gy, bx, [&] {
            ts_scatter_kv((B*) P(a, 0), (B*) P(a, 1), (const B*) P(a, 2), I(a, 3), I(a, 4), I(a, 5),
                    (long long) U(a, 6), I(a, 7), I(a, 8));
        });
    } else if (n == "ts_attention_ref") {
        emu::launch(name, gx, gy, bx, [&] {
            ts_attention_ref((const B*) P(a, 0), I(a, 1), I(a, 2), (const B*) P(a, 3), (const B*) P(a, 4), I(a, 5),
                    I(a, 6), (const B*) P(a, 7), (const B*) P(a, 8), I(a, 9), I(a, 10), (B*) P(a, 11), I(a, 12),
                    I(a, 13), F(a, 14));
        });
    } else {
        bool second = n == "ts_flash_attention2";
        emu::launch(name, gx, gy, bx, [&] {
            (second ? ts_flash_attention2 : ts_flash_attention)((const B*) P(a, 0), I(a, 1), I(a, 2),
                    (const B*) P(a, 3), (const B*) P(a, 4), I(a, 5), I(a, 6), (const B*) P(a, 7), (const B*) P(a, 8),
                    I(a, 9), I(a, 10), (B*) P(a, 11), I(a, 12), F(a, 13));
        });
    }
    return OK;
#endif
}
}
#endif

// ------------------------------------------------------------------------------------ cuBLAS
#ifdef FAKE_CUBLAS
namespace {
float bf(unsigned short v) {
    unsigned bits = ((unsigned) v) << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

unsigned short to_bf(float f) {
    unsigned bits;
    std::memcpy(&bits, &f, 4);
    if ((bits & 0x7fffffffu) > 0x7f800000u) {
        return (unsigned short) ((bits >> 16) | 0x40u);
    }
    return (unsigned short) ((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

const int SUCCESS = 0;
const int INVALID_VALUE = 7;
const int NOT_SUPPORTED = 15;
const int OP_N = 0;
const int R_16BF = 14;
} // namespace

extern "C" {
int cublasCreate_v2(void** handle) {
    *handle = new int(0);
    return SUCCESS;
}

int cublasDestroy_v2(void* handle) {
    delete (int*) handle;
    return SUCCESS;
}

int cublasSetStream_v2(void*, void*) {
    return SUCCESS;
}

int cublasSetMathMode(void*, int) {
    return SUCCESS;
}

const char* cublasGetStatusString(int status) {
    return status == SUCCESS ? "CUBLAS_STATUS_SUCCESS" : "an error of the cuBLAS emulation";
}

// Column-major C (m × n) = alpha · A (m × k) · B (k × n) + beta · C, bf16 storage, fp32 sums in k order.
int cublasGemmEx(void* handle, int transa, int transb, int m, int n, int k, const void* alpha, const void* A, int atype,
        int lda, const void* Bm, int btype, int ldb, const void* beta, void* C, int ctype, int ldc, int, int) {
    if (handle == nullptr || m < 0 || n < 0 || k < 0 || lda < m || ldb < k || ldc < m) {
        return INVALID_VALUE;
    }
    if (transa != OP_N || transb != OP_N || atype != R_16BF || btype != R_16BF || ctype != R_16BF) {
        return NOT_SUPPORTED;
    }
    float al = *(const float*) alpha;
    float be = *(const float*) beta;
    const unsigned short* a = (const unsigned short*) A;
    const unsigned short* b = (const unsigned short*) Bm;
    unsigned short* c = (unsigned short*) C;
    for (int j = 0; j < n; j++) {
        for (int i = 0; i < m; i++) {
            float s = 0.f;
            for (int p = 0; p < k; p++) {
                s += bf(a[i + (size_t) p * lda]) * bf(b[p + (size_t) j * ldb]);
            }
            float prior = be == 0.f ? 0.f : be * bf(c[i + (size_t) j * ldc]);
            c[i + (size_t) j * ldc] = to_bf(al * s + prior);
        }
    }
    return SUCCESS;
}
}
#endif

#ifdef FAKE_CUBLASLT
extern "C" int cublasLtGetVersion(void) {
    return 130000;
}
#endif

// ------------------------------------------------------------------------------------ NVRTC
#ifdef FAKE_NVRTC
namespace {
struct Program {
    std::string source;
    std::string image;
    std::string log;
};

const int SUCCESS = 0;
const int INVALID_INPUT = 3;
const int INVALID_PROGRAM = 4;
const int COMPILATION = 6;
} // namespace

extern "C" {
int nvrtcCreateProgram(Program** prog, const char* src, const char*, int, const char* const*, const char* const*) {
    if (prog == nullptr || src == nullptr) {
        return INVALID_INPUT;
    }
    *prog = new Program{src, "", ""};
    return SUCCESS;
}

int nvrtcDestroyProgram(Program** prog) {
    if (prog == nullptr || *prog == nullptr) {
        return INVALID_PROGRAM;
    }
    delete *prog;
    *prog = nullptr;
    return SUCCESS;
}

// Accepts the source for the head dim the emulator was built with (-DHD=<n> among the options).
int nvrtcCompileProgram(Program* prog, int count, const char* const* options) {
    if (prog == nullptr) {
        return INVALID_PROGRAM;
    }
    int hd = 128;
    for (int i = 0; i < count; i++) {
        if (std::strncmp(options[i], "-DHD=", 5) == 0) {
            hd = std::atoi(options[i] + 5);
        }
    }
    if (prog->source.find("ts_flash_attention2") == std::string::npos) {
        prog->log = "not the executor's kernel source";
        return COMPILATION;
    }
    prog->image = std::string(FAKE_IMAGE_PREFIX) + std::to_string(hd);
    prog->log = "";
    return SUCCESS;
}

int nvrtcGetCUBINSize(Program* prog, size_t* size) {
    *size = prog->image.size() + 1;
    return prog->image.empty() ? INVALID_PROGRAM : SUCCESS;
}

int nvrtcGetCUBIN(Program* prog, char* out) {
    std::memcpy(out, prog->image.c_str(), prog->image.size() + 1);
    return SUCCESS;
}

int nvrtcGetPTXSize(Program* prog, size_t* size) {
    return nvrtcGetCUBINSize(prog, size);
}

int nvrtcGetPTX(Program* prog, char* out) {
    return nvrtcGetCUBIN(prog, out);
}

int nvrtcGetProgramLogSize(Program* prog, size_t* size) {
    *size = prog->log.size() + 1;
    return SUCCESS;
}

int nvrtcGetProgramLog(Program* prog, char* out) {
    std::memcpy(out, prog->log.c_str(), prog->log.size() + 1);
    return SUCCESS;
}

const char* nvrtcGetErrorString(int result) {
    return result == SUCCESS ? "NVRTC_SUCCESS" : "an error of the NVRTC emulation";
}
}
#endif

// ------------------------------------------------------------------------------------ NCCL
#ifdef FAKE_NCCL
#include <memory>
#include <mutex>
#include <vector>

namespace {
const int SUCCESS = 0;
const int INVALID_ARGUMENT = 4;
const int INVALID_USAGE = 5;

// The communicators made by one ncclCommInitAll.
struct Clique {
    int ranks;
};

struct Comm {
    std::shared_ptr<Clique> clique;
    int rank;
};

struct Op {
    bool send;
    void* buf;
    size_t bytes;
    int peer;
    Comm* comm;
};

std::mutex lock;
int depth = 0;
std::vector<Op> pending;

size_t type_bytes(int t) {
    switch (t) {
        case 0: case 1: return 1;          // int8, uint8
        case 2: case 3: case 7: return 4;  // int32, uint32, float32
        case 4: case 5: case 8: return 8;  // int64, uint64, float64
        case 6: case 9: return 2;          // float16, bfloat16
        default: return 0;
    }
}

// Pairs every send with the receive that names it (same clique, ranks crossed, same size) and copies.
int flush() {
    std::vector<Op> ops;
    ops.swap(pending);
    std::vector<bool> used(ops.size(), false);
    for (size_t i = 0; i < ops.size(); i++) {
        if (!ops[i].send) {
            continue;
        }
        bool matched = false;
        for (size_t j = 0; j < ops.size() && !matched; j++) {
            if (!ops[j].send && !used[j] && ops[j].comm->clique == ops[i].comm->clique
                    && ops[j].comm->rank == ops[i].peer && ops[j].peer == ops[i].comm->rank
                    && ops[j].bytes == ops[i].bytes) {
                std::memmove(ops[j].buf, ops[i].buf, ops[i].bytes);
                used[j] = true;
                matched = true;
            }
        }
        if (!matched) {
            std::fprintf(stderr, "fake NCCL: a send of %zu bytes from rank %d to %d has no receive (it would hang)\n",
                    ops[i].bytes, ops[i].comm->rank, ops[i].peer);
            return INVALID_USAGE;
        }
    }
    for (size_t j = 0; j < ops.size(); j++) {
        if (!ops[j].send && !used[j]) {
            std::fprintf(stderr, "fake NCCL: a receive has no send (it would hang)\n");
            return INVALID_USAGE;
        }
    }
    return SUCCESS;
}

int enqueue(Op op, int type) {
    if (op.comm == nullptr || op.peer < 0 || op.peer >= op.comm->clique->ranks || type_bytes(type) == 0) {
        return INVALID_ARGUMENT;
    }
    op.bytes *= type_bytes(type);
    std::lock_guard<std::mutex> g(lock);
    pending.push_back(op);
    return depth == 0 ? flush() : SUCCESS;
}
} // namespace

extern "C" {
int ncclGetVersion(int* version) {
    *version = 22703;
    return SUCCESS;
}

int ncclCommInitAll(Comm** comms, int count, const int*) {
    if (comms == nullptr || count < 1) {
        return INVALID_ARGUMENT;
    }
    auto clique = std::make_shared<Clique>(Clique{count});
    for (int r = 0; r < count; r++) {
        comms[r] = new Comm{clique, r};
    }
    return SUCCESS;
}

int ncclCommDestroy(Comm* comm) {
    delete comm;
    return SUCCESS;
}

int ncclCommAbort(Comm* comm) {
    delete comm;
    return SUCCESS;
}

int ncclGroupStart(void) {
    std::lock_guard<std::mutex> g(lock);
    depth++;
    return SUCCESS;
}

int ncclGroupEnd(void) {
    std::lock_guard<std::mutex> g(lock);
    if (depth == 0) {
        return INVALID_USAGE;
    }
    return --depth == 0 ? flush() : SUCCESS;
}

int ncclSend(const void* buf, size_t count, int type, int peer, Comm* comm, void*) {
    return enqueue(Op{true, (void*) buf, count, peer, comm}, type);
}

int ncclRecv(void* buf, size_t count, int type, int peer, Comm* comm, void*) {
    return enqueue(Op{false, buf, count, peer, comm}, type);
}

const char* ncclGetErrorString(int result) {
    return result == SUCCESS ? "no error" : "an error of the NCCL emulation";
}
}
#endif
