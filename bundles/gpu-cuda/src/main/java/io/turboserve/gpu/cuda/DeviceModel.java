package io.turboserve.gpu.cuda;

import static io.turboserve.gpu.cuda.Native.at;
import static io.turboserve.gpu.cuda.Native.cuda;
import static org.bytedeco.cuda.global.cudart.cudaDeviceSynchronize;
import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaMalloc;

import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.Pointer;

/**
 * What one physical device holds once for all its workers: the compiled kernels and the weights,
 * generated on the device from the counter-based generator (DESIGN.md section 6), so they never
 * cross the bus. Weight {@code W} of a layer maps {@code in} features to {@code out}; it is stored
 * row-major {@code [in][out]}, element {@code (k, j)} at index {@code k·out + j}, which is exactly
 * the generator's element index: {@code bf16(uniform(modelSeed, 16·layer + kind, k·out + j) ·
 * (float) (1/√in))}, kinds 0 QKV (hidden → 3·hidden), 1 self-attention output, 2 cross query,
 * 3 cross K | V (hidden → 2·hidden), 4 cross output, 5 MLP up (hidden → ffn), 6 MLP down.
 */
final class DeviceModel implements AutoCloseable {
    final int device;
    final ModelPreset preset;
    final KernelModule kernels;
    private final Pointer weights;
    private final long[][] offsets;

    DeviceModel(int device, ModelPreset preset, long modelSeed, int major, int minor, Launcher launcher) {
        this.device = device;
        this.preset = preset;
        this.kernels = KernelModule.compile(major, minor, preset.headDim());
        Pointer w = new Pointer();
        try {
            cuda(cudaMalloc(w, preset.weightElements() * 2), "cudaMalloc(weights " + preset.weightElements() * 2 + " bytes)");
        } catch (RuntimeException e) {
            kernels.close();
            throw e;
        }
        this.weights = w;
        int d = preset.hidden();
        int[][] shapes = {{d, 3 * d}, {d, d}, {d, d}, {d, 2 * d}, {d, d}, {d, preset.ffn()}, {preset.ffn(), d}};
        this.offsets = new long[preset.layers()][shapes.length];
        try {
            fill(launcher, modelSeed, shapes, w.address());
        } catch (RuntimeException e) {
            cudaFree(at(w.address()));
            kernels.close();
            throw e;
        }
    }

    private void fill(Launcher launcher, long modelSeed, int[][] shapes, long base) {
        long at = base;
        for (int l = 0; l < preset.layers(); l++) {
            for (int kind = 0; kind < shapes.length; kind++) {
                int in = shapes[kind][0];
                long n = (long) in * shapes[kind][1];
                offsets[l][kind] = at;
                float scale = (float) (1.0 / Math.sqrt(in));
                launcher.launch(kernels.fill, Launcher.gridFor(n), 1, 256, (CUstream_st) null, at, n, modelSeed,
                        Rng.weightTensor(l, kind), scale);
                at += n * 2;
            }
        }
        cuda(cudaDeviceSynchronize(), "cudaDeviceSynchronize(weights)");
    }

    /** @return the device address of weight {@code kind} of {@code layer}. */
    long weight(int layer, int kind) {
        return offsets[layer][kind];
    }

    @Override
    public void close() {
        cudaFree(at(weights.address()));
        kernels.close();
    }
}
