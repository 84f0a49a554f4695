package io.turboserve.transport.nccl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turboserve.transport.nccl.NcclTransport.Config;
import io.turboserve.transport.nccl.NcclTransport.Settings;
import java.lang.annotation.Annotation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The configuration {@code io.turboserve.transport.nccl.transport}: defaults and validation. */
class ConfigTest {

    static Config config(String mode, boolean ncclEnabled) {
        return new Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return Config.class;
            }

            @Override
            public String mode() {
                return mode;
            }

            @Override
            public boolean ncclEnabled() {
                return ncclEnabled;
            }
        };
    }

    @Test
    void theDocumentedDefaultsAreAutoWithNccl() throws Exception {
        assertEquals("auto", Config.class.getMethod("mode").getDefaultValue());
        assertEquals(Boolean.TRUE, Config.class.getMethod("ncclEnabled").getDefaultValue());
        assertEquals(new Settings(Mode.AUTO, true), NcclTransport.configure(config("auto", true)));
    }

    @ParameterizedTest
    @CsvSource({"auto, AUTO", "device-copy, DEVICE_COPY", "nccl, NCCL", "host-staged, HOST_STAGED",
        "' Device-Copy ', DEVICE_COPY", "NCCL, NCCL"})
    void everyModeIsAccepted(String value, Mode expected) {
        assertEquals(expected, NcclTransport.configure(config(value, true)).mode());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "fast", "device_copy", "peer-copy"})
    void anUnknownModeNamesPidPropertyAndValue(String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NcclTransport.configure(config(value, true)));
        assertTrue(e.getMessage().startsWith(NcclTransport.PID + ": mode '" + value + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("auto, device-copy, nccl, host-staged"), e.getMessage());
    }

    @Test
    void aMissingModeIsRejectedToo() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NcclTransport.configure(config(null, true)));
        assertTrue(e.getMessage().contains(NcclTransport.PID + ": mode 'null'"), e.getMessage());
    }

    @Test
    void ncclModeWithNcclDisabledIsAContradiction() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NcclTransport.configure(config("nccl", false)));
        assertTrue(e.getMessage().contains(NcclTransport.PID), e.getMessage());
        assertTrue(e.getMessage().contains("ncclEnabled=false"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"auto", "device-copy", "host-staged"})
    void otherModesWorkWithNcclDisabled(String mode) {
        assertEquals(false, NcclTransport.configure(config(mode, false)).ncclEnabled());
    }
}
