package io.turboserve.api.executor;

/** One session's result of a step: its chunk's payload. The state was updated in place. */
public record ChunkOutput(String sessionId, long chunkIndex, byte[] payload) {
}
