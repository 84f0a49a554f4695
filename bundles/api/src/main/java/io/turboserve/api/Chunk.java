package io.turboserve.api;

import java.util.Objects;

/**
 * One delivered chunk of a session's stream.
 *
 * @param sessionId the session
 * @param index     0 for the first chunk; consecutive across idle periods, offload, restore and
 *                  migration
 * @param payload   the chunk's output (the latent frames, bf16 little-endian)
 * @param crc32c    the CRC-32C of {@code payload}
 * @param timings   when it was requested, computed and delivered
 */
public record Chunk(String sessionId, long index, byte[] payload, int crc32c, ChunkTimings timings) {
    public Chunk {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(timings, "timings");
    }

    /** @return the CRC-32C of a payload, as {@link #crc32c()} carries it. */
    public static int crc32cOf(byte[] payload) {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(payload);
        return (int) crc.getValue();
    }
}
