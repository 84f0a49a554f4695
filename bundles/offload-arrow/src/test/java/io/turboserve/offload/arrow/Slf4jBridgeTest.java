package io.turboserve.offload.arrow;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class Slf4jBridgeTest {

    @Test
    void arrowsSlf4jCallsReachSystemLoggerThroughTheServiceFile() {
        // slf4j finds the provider through META-INF/services, as it does inside the bundle
        assertInstanceOf(Slf4jBridge.SystemLoggerAdapter.class, LoggerFactory.getLogger("org.apache.arrow.memory"));
        LoggerFactory.getLogger("org.apache.arrow.memory").debug("formatted {} and {}", 1, "two");
    }
}
