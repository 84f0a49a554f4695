package io.turboserve.transport.nccl;

import io.turboserve.cuda.emulated.EmulatedCuda;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transport's GPU tests ({@link CudaRoutesGpuTest}) on two emulated devices, in a child JVM over
 * the CUDA emulation of {@code io.turboserve.cuda}'s test jar ({@link EmulatedCuda}): the device
 * copy between two workers of one device, NCCL send to self in a single-rank communicator, and the
 * peer copy and NCCL send/receive between two devices run through the real Java code and JNI
 * bindings, with NCCL's group semantics (each send paired with its receive) emulated. Behaviour only:
 * no transfer rate from it means anything, and the test over 2 GiB skips (the emulated devices hold
 * 4 GiB). Skips, saying why, where the emulation cannot be built.
 */
class NcclTransportOnEmulatorTest {
    @Test
    void theTransportsGpuTestsPassOnTwoEmulatedDevices(@TempDir Path dir) throws Exception {
        String why = EmulatedCuda.unavailable();
        Assumptions.assumeTrue(why == null, () -> why);
        EmulatedCuda.build(dir, null, 0);
        String log = EmulatedCuda.runTests(dir, CudaRoutesGpuTest.class, Map.of("TS_FAKE_GPUS", "2"), Set.of(
                "deviceCopyBetweenTwoWorkersOfOneDevice", "ncclSendToSelfInASingleRankCommunicator",
                "peerCopyAndNcclBetweenTwoDevices", "theNodeDevicesAreWhatTheDriverReports"));
        System.out.println(log);
    }
}
