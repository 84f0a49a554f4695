package io.turboserve.api.serving;

import io.turboserve.api.Lifecycle;
import io.turboserve.api.Residency;

/**
 * A session as a client or an operator sees it.
 *
 * @param id               the session id
 * @param tenant           its owner
 * @param model            the model preset
 * @param lifecycle        arrived, active, idle or departed
 * @param residency        none, resident, offloaded or in transit
 * @param gpu              the GPU holding its state, or -1
 * @param stateBytes       the packed state size (0 before it is first placed)
 * @param epoch            the ownership epoch (+1 per committed migration)
 * @param nextChunkIndex   the index of the next chunk to be generated
 * @param chunksDelivered  chunks delivered so far
 * @param bufferedChunks   chunks delivered but not yet read by the client
 * @param lastChunkLatencyNanos latency of the last chunk, or -1
 * @param worstChunkLatencyNanos worst chunk latency so far, or -1
 * @param message          the last notable event (a refusal, a loss), or empty
 */
public record SessionStatus(String id, String tenant, String model, Lifecycle lifecycle, Residency residency,
        int gpu, long stateBytes, long epoch, long nextChunkIndex, long chunksDelivered, int bufferedChunks,
        long lastChunkLatencyNanos, long worstChunkLatencyNanos, String message) {
}
