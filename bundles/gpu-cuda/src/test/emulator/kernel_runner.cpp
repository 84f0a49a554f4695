// Runs the kernels of kernels.cu on the CPU (cuda_host.h), with the launch geometry of Worker.java,
// for KernelEmulationTest. Build: g++ -std=c++17 -O1 -ffp-contract=off -fno-strict-aliasing -DHD=<head dim>
// -I<dir of kernels.cu> kernel_runner.cpp. Each line of standard input is one case; the case's
// result goes, as raw little-endian bf16, to <out dir>/<case number>.bin. Inputs are made on the
// emulated device by ts_fill_uniform (seed, tensor 1, 2, 3 ...), which the test recreates on the
// JVM from the CPU executor's generator.
//
//   copies late|eager                              how cp.async lands from here on (cuda_host.h);
//                                                  writes no result and takes no case number
//   fill COUNT SEED TENSOR SCALE
//   layernorm ROWS D SEED                          input: tensor 1, scale 2
//   gelu N SEED                                    input: tensor 1, scale 4
//   add N SEED                                     h: tensor 1, delta: tensor 2
//   denoise N SEED ALPHA                           x: tensor 1, f: tensor 2
//   scatter TOKENS TPF D FRAMES_WRITTEN SINK WINDOW SEED
//                                                  qkv (TOKENS × 3D): tensor 1; K and V windows
//                                                  (WINDOW × TPF × D): tensors 2 and 3; result K then V
//   attention ref|flash|flash2 NQ M1 SELF HEADS HD SEED
//                                                  qkv (NQ × 3D): tensor 1; window K and V (M1 × D):
//                                                  tensors 2 and 3; keys = window, then the chunk's
//                                                  own NQ rows of qkv when SELF is 1; result NQ × D
#include "cuda_host.h"
#include "kernels.cu"

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

namespace {

using Tensor = std::vector<unsigned short>;

unsigned grid_for(unsigned long long n) {
    unsigned long long g = (n + 255) / 256;
    return (unsigned) (g < 1 ? 1 : g > 4096 ? 4096 : g);
}

Tensor fill(unsigned long long count, unsigned long long seed, unsigned long long tensor, float scale) {
    // NaN bits first, so that an element the kernel leaves unwritten cannot pass for a value.
    Tensor t(count == 0 ? 8 : count, 0x7fc1);
    emu::launch("ts_fill_uniform", grid_for(count), 1, 256,
            [&] { ts_fill_uniform(t.data(), count, seed, tensor, scale); });
    return t;
}

void write(const std::string& path, const Tensor& t, size_t count) {
    std::ofstream out(path, std::ios::binary);
    out.write((const char*) t.data(), (std::streamsize) (count * 2));
    if (!out) {
        std::fprintf(stderr, "cannot write %s\n", path.c_str());
        std::exit(2);
    }
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: kernel_runner OUT_DIR < cases\n");
        return 2;
    }
    std::string dir = argv[1];
    std::string line;
    int number = 0;
    while (std::getline(std::cin, line)) {
        if (line.empty()) {
            continue;
        }
        std::istringstream in(line);
        std::string op;
        in >> op;
        if (op == "copies") {
            std::string mode;
            in >> mode;
            emu::eager_copies = mode == "eager";
            continue;
        }
        std::string path = dir + "/" + std::to_string(number++) + ".bin";
        if (op == "fill") {
            unsigned long long count, seed, tensor;
            float scale;
            in >> count >> seed >> tensor >> scale;
            write(path, fill(count, seed, tensor, scale), count);
        } else if (op == "layernorm") {
            int rows, d;
            unsigned long long seed;
            in >> rows >> d >> seed;
            Tensor x = fill((unsigned long long) rows * d, seed, 1, 2.f);
            Tensor y(x.size(), 0x7fc1);
            emu::launch("ts_layernorm", rows, 1, 256, [&] { ts_layernorm(x.data(), y.data(), rows, d); });
            write(path, y, (size_t) rows * d);
        } else if (op == "gelu") {
            unsigned long long n, seed;
            in >> n >> seed;
            Tensor x = fill(n, seed, 1, 4.f);
            emu::launch("ts_gelu", grid_for(n), 1, 256, [&] { ts_gelu(x.data(), n); });
            write(path, x, n);
        } else if (op == "add") {
            unsigned long long n, seed;
            in >> n >> seed;
            Tensor h = fill(n, seed, 1, 1.f);
            Tensor delta = fill(n, seed, 2, 1.f);
            emu::launch("ts_add", grid_for(n), 1, 256, [&] { ts_add(h.data(), delta.data(), n); });
            write(path, h, n);
        } else if (op == "denoise") {
            unsigned long long n, seed;
            float alpha;
            in >> n >> seed >> alpha;
            Tensor x = fill(n, seed, 1, 1.f);
            Tensor f = fill(n, seed, 2, 1.f);
            emu::launch("ts_denoise", grid_for(n), 1, 256, [&] { ts_denoise(x.data(), f.data(), alpha, n); });
            write(path, x, n);
        } else if (op == "scatter") {
            int tokens, tpf, d, sink, window;
            long long framesWritten;
            unsigned long long seed;
            in >> tokens >> tpf >> d >> framesWritten >> sink >> window >> seed;
            Tensor qkv = fill((unsigned long long) tokens * 3 * d, seed, 1, 1.f);
            unsigned long long cells = (unsigned long long) window * tpf * d;
            Tensor k = fill(cells, seed, 2, 1.f);
            Tensor v = fill(cells, seed, 3, 1.f);
            emu::launch("ts_scatter_kv", grid_for((unsigned long long) tokens * d), 1, 256, [&] {
                ts_scatter_kv(k.data(), v.data(), qkv.data(), tokens, tpf, d, framesWritten, sink, window);
            });
            Tensor both(k);
            both.insert(both.end(), v.begin(), v.end());
            write(path, both, 2 * cells);
        } else if (op == "attention") {
            std::string kernel;
            int nq, m1, self, heads, hd;
            unsigned long long seed;
            in >> kernel >> nq >> m1 >> self >> heads >> hd >> seed;
            if (kernel != "ref" && hd != HD) {
                std::fprintf(stderr, "case %d: the flash kernels of this build take head dim %d, not %d\n", number - 1,
                        HD, hd);
                return 2;
            }
            int d = heads * hd;
            Tensor qkv = fill((unsigned long long) nq * 3 * d, seed, 1, 1.f);
            Tensor k1 = fill((unsigned long long) m1 * d, seed, 2, 1.f);
            Tensor v1 = fill((unsigned long long) m1 * d, seed, 3, 1.f);
            Tensor out((size_t) nq * d, 0x7fc1);
            const unsigned short* k2 = qkv.data() + d;
            const unsigned short* v2 = qkv.data() + 2 * d;
            int m2 = self ? nq : 0;
            if (kernel == "ref") {
                float scale = (float) (1.0 / std::sqrt((double) hd));
                emu::launch("ts_attention_ref", (nq + 3) / 4, heads, 128, [&] {
                    ts_attention_ref(qkv.data(), 3 * d, nq, k1.data(), v1.data(), d, m1, k2, v2, 3 * d, m2, out.data(),
                            d, hd, scale);
                });
            } else {
                float scaleLog2 = (float) (1.0 / std::log(2.0) / std::sqrt((double) hd));
                bool second = kernel == "flash2";
                emu::launch(second ? "ts_flash_attention2" : "ts_flash_attention", (nq + 63) / 64, heads, 128, [&] {
                    (second ? ts_flash_attention2 : ts_flash_attention)(qkv.data(), 3 * d, nq, k1.data(), v1.data(), d,
                            m1, k2, v2, 3 * d, m2, out.data(), d, scaleLog2);
                });
            }
            write(path, out, (size_t) nq * d);
        } else {
            std::fprintf(stderr, "case %d: unknown operation '%s'\n", number - 1, op.c_str());
            return 2;
        }
    }
    return 0;
}
