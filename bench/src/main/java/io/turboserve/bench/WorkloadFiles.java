package io.turboserve.bench;

import io.turboserve.sim.AzureAdapter;
import io.turboserve.sim.TurboServeTrace;
import io.turboserve.sim.Workload;
import io.turboserve.sim.Workloads;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A workload from a file given on the command line: a {@code .csv} request trace goes through the
 * Azure session adapter (which compresses time so peak active ≈ the target); a TurboServe trace is
 * scaled to the cluster (DESIGN.md section 9: peak active ≈ 0.8 × GPUs × K) unless it already fits.
 */
final class WorkloadFiles {
    private WorkloadFiles() {
    }

    static Workload load(Path file, long seed, int targetPeakActive) throws IOException {
        if (file.getFileName().toString().endsWith(".csv")) {
            return AzureAdapter.load(file, seed, targetPeakActive);
        }
        Workload w = TurboServeTrace.load(file);
        return Workloads.peakActive(w) < targetPeakActive * 0.9 ? Workloads.scaleTo(w, targetPeakActive, seed) : w;
    }
}
