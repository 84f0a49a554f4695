package io.turboserve.transport.nccl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turboserve.transport.nccl.RouteSelector.Decision;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** Every combination of (one or two devices, NCCL usable, peer access, mode), written out. */
class RouteSelectorTest {

    /** Counts how often the selector asks, and answers a fixed value. */
    private static final class Asked implements BooleanSupplier {
        final boolean answer;
        final AtomicInteger times = new AtomicInteger();

        Asked(boolean answer) {
            this.answer = answer;
        }

        @Override
        public boolean getAsBoolean() {
            times.incrementAndGet();
            return answer;
        }
    }

    @ParameterizedTest(name = "{0}, same device {1}, NCCL {2}, peer {3} -> {4}")
    @CsvSource({
        // mode,       same,  nccl,  peer,  route
        "auto,         true,  true,  true,  DEVICE_COPY",
        "auto,         true,  true,  false, DEVICE_COPY",
        "auto,         true,  false, true,  DEVICE_COPY",
        "auto,         true,  false, false, DEVICE_COPY",
        "auto,         false, true,  true,  NCCL",
        "auto,         false, true,  false, NCCL",
        "auto,         false, false, true,  PEER_COPY",
        "auto,         false, false, false, HOST_STAGED",
        "device-copy,  true,  true,  true,  DEVICE_COPY",
        "device-copy,  true,  true,  false, DEVICE_COPY",
        "device-copy,  true,  false, true,  DEVICE_COPY",
        "device-copy,  true,  false, false, DEVICE_COPY",
        "device-copy,  false, true,  true,  PEER_COPY",
        "device-copy,  false, true,  false, PEER_COPY",
        "device-copy,  false, false, true,  PEER_COPY",
        "device-copy,  false, false, false, PEER_COPY",
        "nccl,         true,  true,  true,  NCCL_SELF",
        "nccl,         true,  true,  false, NCCL_SELF",
        "nccl,         true,  false, true,  NONE",
        "nccl,         true,  false, false, NONE",
        "nccl,         false, true,  true,  NCCL",
        "nccl,         false, true,  false, NCCL",
        "nccl,         false, false, true,  NONE",
        "nccl,         false, false, false, NONE",
        "host-staged,  true,  true,  true,  HOST_STAGED",
        "host-staged,  true,  true,  false, HOST_STAGED",
        "host-staged,  true,  false, true,  HOST_STAGED",
        "host-staged,  true,  false, false, HOST_STAGED",
        "host-staged,  false, true,  true,  HOST_STAGED",
        "host-staged,  false, true,  false, HOST_STAGED",
        "host-staged,  false, false, true,  HOST_STAGED",
        "host-staged,  false, false, false, HOST_STAGED",
    })
    void everyCombination(String mode, boolean sameDevice, boolean nccl, boolean peer, Route expected) {
        Asked ncclAsked = new Asked(nccl);
        Asked peerAsked = new Asked(peer);
        Decision d = RouteSelector.choose(2, sameDevice ? 2 : 5, Mode.parse(mode), ncclAsked, peerAsked);
        assertEquals(expected, d.route(), d.why());
        assertFalse(d.why().isBlank());
        assertTrue(ncclAsked.times.get() <= 1, "NCCL asked " + ncclAsked.times + " times");
        assertTrue(peerAsked.times.get() <= 1, "peer access asked " + peerAsked.times + " times");
    }

    @Test
    void oneDeviceInAutoModeNeverAsksAboutNcclOrPeers() {
        Asked nccl = new Asked(true);
        Asked peer = new Asked(true);
        assertEquals(Route.DEVICE_COPY, RouteSelector.choose(0, 0, Mode.AUTO, nccl, peer).route());
        assertEquals(0, nccl.times.get());
        assertEquals(0, peer.times.get());
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"DEVICE_COPY", "HOST_STAGED"})
    void forcedCopyModesAskNothing(Mode mode) {
        Asked nccl = new Asked(true);
        Asked peer = new Asked(true);
        RouteSelector.choose(0, 1, mode, nccl, peer);
        RouteSelector.choose(1, 1, mode, nccl, peer);
        assertEquals(0, nccl.times.get());
        assertEquals(0, peer.times.get());
    }

    @Test
    void whereNcclWorksPeerAccessIsNotAsked() {
        Asked peer = new Asked(false);
        assertEquals(Route.NCCL, RouteSelector.choose(0, 1, Mode.AUTO, new Asked(true), peer).route());
        assertEquals(Route.NCCL, RouteSelector.choose(0, 1, Mode.NCCL, new Asked(true), peer).route());
        assertEquals(0, peer.times.get());
    }

    @Test
    void ncclModeWithoutNcclSaysWhy() {
        Decision d = RouteSelector.choose(0, 0, Mode.NCCL, () -> false, () -> true);
        assertEquals(Route.NONE, d.route());
        assertTrue(d.why().contains("NCCL is not usable"), d.why());
    }
}
