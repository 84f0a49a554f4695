package io.turboserve.api;

import java.util.Objects;

/**
 * A session's state as an executor holds it on one GPU: where it is and how big it is. The server
 * moves state by handle and never copies its bytes itself.
 *
 * @param sessionId the owner
 * @param gpu       the GPU worker whose memory holds it
 * @param address   a device address (or an executor-private key where there is no device memory)
 * @param bytes     the size of the packed state; tens of GB are possible
 * @param epoch     the ownership epoch; each committed migration increments it, and a handle with
 *                  a stale epoch must not be used
 */
public record StateHandle(String sessionId, int gpu, long address, long bytes, long epoch) {
    public StateHandle {
        Objects.requireNonNull(sessionId, "sessionId");
        if (bytes < 0) {
            throw new IllegalArgumentException("state size must not be negative: " + bytes);
        }
    }

    /** @return this handle moved to another allocation with the next ownership epoch. */
    public StateHandle movedTo(int newGpu, long newAddress) {
        return new StateHandle(sessionId, newGpu, newAddress, bytes, epoch + 1);
    }
}
