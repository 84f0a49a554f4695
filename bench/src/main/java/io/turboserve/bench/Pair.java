package io.turboserve.bench;

/**
 * A (placement, autoscaling) policy pair as the benchmark names it: {@code placement/autoscaling},
 * where autoscaling {@code fixed} means "the peak budget of TurboServe's own policy on the same
 * run" (DESIGN.md section 9) and {@code fixed@N} a budget of N.
 *
 * <p>A pair ending in {@value #MEMORY} runs without the per-GPU session target K: each GPU admits
 * sessions until their states fill its memory (at least K, at most the peak active sessions) and
 * coalesces every ready one of them into one step,
 * as a static deployment without TurboServe's K does. This is the paper's {@code TurboServe_base}
 * ({@code round-robin/fixed:memory}); every other pair runs with the scenario's K.
 *
 * @param memoryAdmission whether the pair runs with admission bounded by memory instead of K
 */
record Pair(String placement, String autoscaling, String label, boolean memoryAdmission) {
    static final String MEMORY = ":memory";

    static Pair parse(String text) {
        String t = text.trim();
        boolean memory = t.endsWith(MEMORY);
        String[] p = (memory ? t.substring(0, t.length() - MEMORY.length()) : t).split("/", -1);
        if (p.length != 2 || p[0].isBlank() || p[1].isBlank() || p[1].contains(":")) {
            throw new IllegalArgumentException("a policy pair is PLACEMENT/AUTOSCALING[" + MEMORY
                    + "], e.g. turboserve/turboserve or round-robin/fixed" + MEMORY + "; got '" + text + "'");
        }
        return new Pair(p[0], p[1], t, memory);
    }

    @Override
    public String toString() {
        return label;
    }
}
