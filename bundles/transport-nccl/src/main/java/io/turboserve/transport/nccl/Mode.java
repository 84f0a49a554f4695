package io.turboserve.transport.nccl;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The configured way to move state: let the transport choose, or force one route. */
enum Mode {
    /** Same device: a device copy; different devices: NCCL, else a peer copy, else host-staged. */
    AUTO("auto"),
    /** Always a CUDA copy: {@code cudaMemcpyAsync} on one device, {@code cudaMemcpyPeerAsync} across two. */
    DEVICE_COPY("device-copy"),
    /** Always NCCL send/recv; on one device a send to self in a single-rank communicator. */
    NCCL("nccl"),
    /** Always through a slot of the host offload store. */
    HOST_STAGED("host-staged");

    private final String key;

    Mode(String key) {
        this.key = key;
    }

    /** The configuration value, for example {@code device-copy}. */
    String key() {
        return key;
    }

    /**
     * The mode with this configuration value (case and surrounding blanks ignored).
     *
     * @throws IllegalArgumentException naming the value and the accepted ones
     */
    static Mode parse(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        for (Mode m : values()) {
            if (m.key.equals(v)) {
                return m;
            }
        }
        throw new IllegalArgumentException("'" + value + "' is not one of " + accepted());
    }

    static String accepted() {
        return Arrays.stream(values()).map(Mode::key).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return key;
    }
}
