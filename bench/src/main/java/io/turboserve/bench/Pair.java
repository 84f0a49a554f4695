package io.turboserve.bench;

/**
 * A (placement, autoscaling) policy pair as the benchmark names it: {@code placement/autoscaling},
 * where autoscaling {@code fixed} means "the peak budget of TurboServe's own policy on the same
 * run" (DESIGN.md section 9) and {@code fixed@N} a budget of N.
 */
record Pair(String placement, String autoscaling, String label) {
    static Pair parse(String text) {
        String[] p = text.trim().split("/");
        if (p.length != 2 || p[0].isBlank() || p[1].isBlank()) {
            throw new IllegalArgumentException("a policy pair is PLACEMENT/AUTOSCALING, e.g. turboserve/turboserve; got '" + text + "'");
        }
        return new Pair(p[0], p[1], text.trim());
    }

    @Override
    public String toString() {
        return label;
    }
}
