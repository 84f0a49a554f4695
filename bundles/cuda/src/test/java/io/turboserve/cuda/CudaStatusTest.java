package io.turboserve.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CudaStatusTest {

    private static final CudaDevice H200 = new CudaDevice(0, "NVIDIA H200", 150_013_362_176L, 9, 0, 132);

    @Test
    void unavailableMessageGivesTheReasonAndTheFallback() {
        CudaStatus status = CudaStatus.unavailable("libcuda.so.1 not found (no NVIDIA driver)");
        assertEquals("CUDA not available: libcuda.so.1 not found (no NVIDIA driver); the CPU executor serves",
                status.message());
        assertEquals(List.of(), status.devices());
    }

    @Test
    void availableMessageListsDevicesAndVersions() {
        CudaStatus status = CudaStatus.available(13000, 13000, List.of(H200), "");
        assertEquals("CUDA available: 1 usable device, driver 13.0, runtime 13.0:"
                + " [0] NVIDIA H200 (139.7 GiB, compute 9.0, 132 SMs)", status.message());
    }

    @Test
    void availableMessageCountsDevicesAndCarriesNotes() {
        CudaDevice second = new CudaDevice(2, "NVIDIA H200", 150_013_362_176L, 9, 0, 132);
        String message = CudaStatus.available(12080, 12060, List.of(H200, second),
                "skipped device 1: compute mode is prohibited").message();
        assertTrue(message.startsWith("CUDA available: 2 usable devices, driver 12.8, runtime 12.6: [0] "), message);
        assertTrue(message.contains(", [2] NVIDIA H200"), message);
        assertTrue(message.endsWith("(skipped device 1: compute mode is prohibited)"), message);
    }

    @ParameterizedTest
    @CsvSource({"13000, 13.0", "13030, 13.3", "12080, 12.8", "11040, 11.4", "0, unknown", "-1, unknown"})
    void versionsAreWrittenAsCudaWritesThem(int encoded, String written) {
        assertEquals(written, CudaStatus.formatVersion(encoded));
    }

    @Test
    void invariantsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> CudaStatus.unavailable(" "));
        assertThrows(IllegalArgumentException.class, () -> CudaStatus.available(13000, 13000, List.of(), ""));
        assertThrows(IllegalArgumentException.class, () -> new CudaStatus(false, "x", 0, 0, List.of(H200)));
        assertThrows(NullPointerException.class, () -> CudaStatus.unavailable(null));
        assertThrows(IllegalArgumentException.class, () -> new CudaDevice(-1, "x", 1, 9, 0, 1));
    }

    @Test
    void devicesAreCopied() {
        List<CudaDevice> devices = new ArrayList<>(List.of(H200));
        CudaStatus status = CudaStatus.available(13000, 13000, devices, null);
        devices.clear();
        assertEquals(1, status.devices().size());
        assertEquals("", status.reason());
        assertThrows(UnsupportedOperationException.class, () -> status.devices().clear());
    }

    @Test
    void computeCapabilityIsMajorDotMinor() {
        assertEquals("9.0", H200.computeCapability());
        assertEquals("8.6", new CudaDevice(0, "RTX", 1, 8, 6, 1).computeCapability());
    }
}
