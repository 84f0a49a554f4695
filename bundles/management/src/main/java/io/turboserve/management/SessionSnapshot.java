package io.turboserve.management;

import io.turboserve.api.Lifecycle;
import io.turboserve.api.Residency;
import io.turboserve.api.serving.SessionStatus;

/**
 * A session's status in open types (an MXBean maps a record to {@code CompositeData}, one item per
 * component): what the session operations return and what {@link SessionMXBean} reads from.
 *
 * @param lastChunkLatencyMs  in ms, or -1 before the first chunk
 * @param worstChunkLatencyMs in ms, or -1 before the first chunk
 * @param gone                whether the session has departed
 */
public record SessionSnapshot(String id, String tenant, String model, String lifecycle, String residency, int gpu,
        long stateBytes, long epoch, long nextChunkIndex, long chunksDelivered, int bufferedChunks,
        double lastChunkLatencyMs, double worstChunkLatencyMs, String message, boolean gone) {

    static SessionSnapshot of(SessionStatus s) {
        boolean departed = s.lifecycle() == Lifecycle.DEPARTED;
        return new SessionSnapshot(s.id(), s.tenant(), s.model(), name(s.lifecycle()), name(s.residency()), s.gpu(),
                s.stateBytes(), s.epoch(), s.nextChunkIndex(), s.chunksDelivered(), s.bufferedChunks(),
                Millis.of(s.lastChunkLatencyNanos()), Millis.of(s.worstChunkLatencyNanos()),
                departed ? goneMessage(s.message()) : text(s.message()), departed);
    }

    /**
     * The session after it left, built from what was last seen of it: departed, holding nothing,
     * counters at their last values.
     */
    static SessionSnapshot gone(SessionStatus last, String reason) {
        return new SessionSnapshot(last.id(), last.tenant(), last.model(), Lifecycle.DEPARTED.name(),
                Residency.NONE.name(), -1, 0, last.epoch(), last.nextChunkIndex(), last.chunksDelivered(), 0,
                Millis.of(last.lastChunkLatencyNanos()), Millis.of(last.worstChunkLatencyNanos()),
                goneMessage(reason), true);
    }

    private static String goneMessage(String reason) {
        String r = text(reason);
        return r.isEmpty() ? "gone: the session departed" : "gone: " + r;
    }

    private static String name(Enum<?> e) {
        return e == null ? "" : e.name();
    }

    private static String text(String s) {
        return s == null ? "" : s;
    }
}
