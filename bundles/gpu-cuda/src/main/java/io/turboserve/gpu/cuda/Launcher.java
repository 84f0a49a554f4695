package io.turboserve.gpu.cuda;

import static io.turboserve.gpu.cuda.Native.driver;
import static org.bytedeco.cuda.global.cudart.cuLaunchKernel;

import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * Launches kernels with {@code cuLaunchKernel}, reusing one native argument block: slot i is 8
 * bytes at a fixed address, and the parameter array points at the slots, so a launch allocates
 * nothing native. One per worker (one thread at a time).
 */
final class Launcher implements AutoCloseable {
    private static final int SLOTS = 24;
    private final BytePointer slots = new BytePointer(8L * SLOTS);
    private final PointerPointer<Pointer> params = new PointerPointer<>(SLOTS);

    Launcher() {
        for (int i = 0; i < SLOTS; i++) {
            params.put(i, Native.at(slots.address() + 8L * i));
        }
    }

    /**
     * @param args kernel arguments in order: {@link Long} for pointers and 64-bit integers,
     *             {@link Integer} for {@code int}, {@link Float} for {@code float}
     */
    void launch(CUfunc_st f, int gridX, int gridY, int block, CUstream_st stream, Object... args) {
        if (args.length > SLOTS) {
            throw new IllegalArgumentException("at most " + SLOTS + " kernel arguments");
        }
        for (int i = 0; i < args.length; i++) {
            long at = 8L * i;
            Object a = args[i];
            if (a instanceof Long l) {
                slots.putLong(at, l);
            } else if (a instanceof Integer n) {
                slots.putInt(at, n);
            } else if (a instanceof Float x) {
                slots.putFloat(at, x);
            } else {
                throw new IllegalArgumentException("kernel argument " + i + " is a " + a.getClass().getSimpleName());
            }
        }
        driver(cuLaunchKernel(f, gridX, gridY, 1, block, 1, 1, 0, stream, params, (PointerPointer<?>) null),
                "cuLaunchKernel");
    }

    /** @return a grid for a grid-stride loop over {@code n} elements with 256 threads a block. */
    static int gridFor(long n) {
        return (int) Math.max(1, Math.min((n + 255) / 256, 4096));
    }

    @Override
    public void close() {
        params.close();
        slots.close();
    }
}
