package io.turboserve.transport.nccl;

import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * Chooses the route of one transfer. Pure Java: the two questions that need the GPU (does NCCL work,
 * can the devices reach each other's memory) are asked through suppliers, and only when the answer
 * matters, so a same-device copy never initialises NCCL.
 */
final class RouteSelector {

    /** A route and why it was chosen (or, for {@link Route#NONE}, why none could be). */
    record Decision(Route route, String why) {
        Decision {
            Objects.requireNonNull(route, "route");
            Objects.requireNonNull(why, "why");
        }
    }

    private RouteSelector() {
    }

    /**
     * @param sourceDevice the CUDA device holding the source state
     * @param targetDevice the CUDA device holding the target allocation
     * @param mode         the configured mode
     * @param ncclUsable   whether NCCL works on this node (asked at most once, only when needed)
     * @param peerAccess   whether the source device can access the target's memory directly (asked
     *                     at most once, only when needed)
     */
    static Decision choose(int sourceDevice, int targetDevice, Mode mode, BooleanSupplier ncclUsable,
            BooleanSupplier peerAccess) {
        boolean sameDevice = sourceDevice == targetDevice;
        switch (mode) {
            case DEVICE_COPY:
                return sameDevice
                        ? new Decision(Route.DEVICE_COPY, "mode device-copy, one device")
                        : new Decision(Route.PEER_COPY, "mode device-copy, two devices");
            case HOST_STAGED:
                return new Decision(Route.HOST_STAGED, "mode host-staged");
            case NCCL:
                if (!ncclUsable.getAsBoolean()) {
                    return new Decision(Route.NONE, "mode nccl, but NCCL is not usable");
                }
                return sameDevice
                        ? new Decision(Route.NCCL_SELF, "mode nccl, one device: send to self")
                        : new Decision(Route.NCCL, "mode nccl, two devices");
            case AUTO:
            default:
                if (sameDevice) {
                    return new Decision(Route.DEVICE_COPY, "one device");
                }
                if (ncclUsable.getAsBoolean()) {
                    return new Decision(Route.NCCL, "two devices, NCCL usable");
                }
                if (peerAccess.getAsBoolean()) {
                    return new Decision(Route.PEER_COPY, "two devices, NCCL not usable, peer access");
                }
                return new Decision(Route.HOST_STAGED, "two devices, NCCL not usable, no peer access");
        }
    }
}
