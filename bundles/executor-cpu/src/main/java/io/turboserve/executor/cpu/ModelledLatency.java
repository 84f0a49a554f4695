package io.turboserve.executor.cpu;

/**
 * The reference analytic latency model published with the TurboServe code, as the modelled
 * executor's step time. With n sessions in a step each chunk takes
 * <pre>
 *   base  = baseMs × resolutionFactor × max(framesFloor, √(frames / referenceFrames)) + msPerPromptToken × promptTokens
 *   ms(n) = base + perExtraSessionMs × (n − 1) + contentionMs × (n / contentionSessions)²
 * </pre>
 * At the defaults (480p factor 0.65, 9 frames of 64, 256 prompt tokens, K = 4):
 * base = 180 × 0.65 × max(0.5, 0.375) + 0.015 × 256 = 58.5 + 3.84 = 62.34 ms, so
 * ms(1..4) = 63.465, 121.84, 182.465, 245.34.
 */
record ModelledLatency(double baseMs, double resolutionFactor, double frames, double referenceFrames,
        double framesFloor, double msPerPromptToken, double promptTokens, double perExtraSessionMs,
        double contentionMs, double contentionSessions) {

    /** @return the defaults of the reference model. */
    static ModelledLatency reference() {
        return new ModelledLatency(180, 0.65, 9, 64, 0.5, 0.015, 256, 55, 18, 4);
    }

    /** @return the per-chunk latency of a step serving {@code sessions} sessions, in milliseconds. */
    double stepMillis(int sessions) {
        double base = baseMs * resolutionFactor * Math.max(framesFloor, Math.sqrt(frames / referenceFrames))
                + msPerPromptToken * promptTokens;
        double share = sessions / contentionSessions;
        return base + perExtraSessionMs * (sessions - 1) + contentionMs * share * share;
    }

    /** @return {@link #stepMillis} in nanoseconds, rounded. */
    long stepNanos(int sessions) {
        return Math.round(stepMillis(sessions) * 1e6);
    }
}
