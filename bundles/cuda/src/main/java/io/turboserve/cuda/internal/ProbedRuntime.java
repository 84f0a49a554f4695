package io.turboserve.cuda.internal;

import io.turboserve.cuda.CudaDevice;
import io.turboserve.cuda.CudaRuntime;
import io.turboserve.cuda.CudaStatus;
import java.util.List;

/** The {@link CudaRuntime} service: an immutable view of an available probe result. */
record ProbedRuntime(int driverVersion, int runtimeVersion, List<CudaDevice> devices) implements CudaRuntime {

    ProbedRuntime {
        devices = List.copyOf(devices);
        if (devices.isEmpty()) {
            throw new IllegalArgumentException("a CUDA runtime needs at least one usable device");
        }
    }

    static ProbedRuntime of(CudaStatus status) {
        if (!status.available()) {
            throw new IllegalArgumentException("CUDA is not available: " + status.reason());
        }
        return new ProbedRuntime(status.driverVersion(), status.runtimeVersion(), status.devices());
    }

    @Override
    public int deviceCount() {
        return devices.size();
    }

    @Override
    public CudaDevice device(int ordinal) {
        return devices.stream().filter(d -> d.ordinal() == ordinal).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no usable CUDA device with ordinal " + ordinal));
    }
}
