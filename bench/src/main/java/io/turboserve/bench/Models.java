package io.turboserve.bench;

import io.turboserve.sim.LatencyProfile;
import io.turboserve.sim.LatencyProfiles;
import io.turboserve.sim.SimSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The latency models the benchmark runs with: {@code analytic} (the reference model published with
 * the paper's code: 256 MB states, no cold start) or a measured profile file, optionally naming
 * the row set as {@code FILE#MODEL@FRAMES} (default: the file's first model at its smallest
 * window), or a profile bundled with the simulator by its name ({@code h200-pytorch-reference.json}).
 */
final class Models {
    record Model(String name, SimSettings settings, Map<String, Object> params) {
    }

    private Models() {
    }

    static Model parse(String spec, int maxGpus, int k) throws IOException {
        LatencyProfile profile;
        if (spec.equals("analytic")) {
            profile = LatencyProfiles.analyticReference();
        } else {
            String file = spec;
            String variant = null;
            int hash = spec.indexOf('#');
            if (hash >= 0) {
                file = spec.substring(0, hash);
                variant = spec.substring(hash + 1);
            }
            Path path = Path.of(file);
            boolean bundled = !Files.exists(path);
            java.util.List<LatencyProfiles.Variant> variants;
            try {
                variants = bundled ? LatencyProfiles.variants(file) : LatencyProfiles.variants(path);
            } catch (IllegalStateException missing) {
                throw new IllegalArgumentException("--model " + spec + ": no such file, and no bundled profile of that name ("
                        + LatencyProfiles.ANALYTIC_REFERENCE + ", " + LatencyProfiles.H200_REFERENCE
                        + "); give analytic, a profile file, or FILE#MODEL@FRAMES");
            }
            if (variants.isEmpty()) {
                throw new IllegalArgumentException("profile " + file + " has no rows");
            }
            String model = variants.get(0).model();
            int frames = variants.get(0).contextFrames();
            if (variant != null) {
                String[] mv = variant.split("@");
                model = mv[0];
                try {
                    frames = mv.length > 1 ? Integer.parseInt(mv[1]) : frames;
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--model " + spec + ": the context frames after @ must be a number, got '"
                            + mv[1] + "'");
                }
            }
            profile = bundled ? LatencyProfiles.measured(file, model, frames) : LatencyProfiles.measured(path, model, frames);
        }
        SimSettings settings = SimSettings.analytic(maxGpus).withSessionsPerGpu(k, k).withProfile(profile);
        Map<String, Object> params = new LinkedHashMap<>(profile.parameters());
        params.put("state_bytes", profile.stateBytes());
        return new Model(profile.name(), settings, params);
    }
}
