package io.turboserve.placement;

import io.turboserve.api.GpuState;
import io.turboserve.api.Lifecycle;
import io.turboserve.api.Residency;
import io.turboserve.api.policy.BudgetBounds;
import io.turboserve.api.policy.ClusterSnapshot;
import io.turboserve.api.policy.DemandStats;
import io.turboserve.api.policy.GpuView;
import io.turboserve.api.policy.LatencyModel;
import io.turboserve.api.policy.SessionView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds snapshots for policy tables: GPUs by id, sessions as
 * {@code "id:lifecycle:residency:gpu[:stateBytes[:lifecycleSinceNanos]]"}.
 */
final class Snapshots {
    static final long MS = 1_000_000L;
    /** 256 MB (decimal, as the reference figures use): κ = 8 ms + 256e6 / 32e9 s = 16 ms. */
    static final long MB256 = 256_000_000L;

    static final LatencyModel LINEAR = new LatencyModel() {
        @Override
        public long chunkNanos(int gpu, int sessions) {
            return sessions * 100_000_000L;
        }

        @Override
        public long migrationNanos(long bytes) {
            return 10_000_000L;
        }
    };

    /**
     * The reference analytic numbers, per-session chunk latency with n sessions on a GPU:
     * 63.5 / 121.8 / 182.5 / 245.3 ms for n = 1..4. Beyond 4 (tests with K > 4 only) the
     * published formula, 62.34 + 55·(n − 1) + 18·(n/4)² ms. Migration: 8 ms + bytes / (32 GB/s).
     */
    static final LatencyModel REFERENCE = scaled(new double[] {1});

    private static final long[] TABLE = {0, 63_500_000L, 121_800_000L, 182_500_000L, 245_300_000L};

    private Snapshots() {
    }

    /** @return the reference model with GPU g's chunk latency multiplied by {@code factor[g]} (1 beyond the array). */
    static LatencyModel scaled(double[] factor) {
        return new LatencyModel() {
            @Override
            public long chunkNanos(int gpu, int n) {
                long base = n < TABLE.length ? TABLE[n]
                        : Math.round((62.34 + 55.0 * (n - 1) + 18.0 * (n / 4.0) * (n / 4.0)) * MS);
                double f = gpu < factor.length ? factor[gpu] : 1;
                return Math.round(base * f);
            }

            @Override
            public long migrationNanos(long bytes) {
                return 8 * MS + bytes / 32;
            }
        };
    }

    static ClusterSnapshot of(int gpus, String... sessions) {
        return cluster(gpus).latency(LINEAR).stateBytes(1000).sessions(sessions).build();
    }

    static Builder cluster(int gpus) {
        return new Builder(gpus);
    }

    static final class Builder {
        private final int gpus;
        private int k = 4;
        private long now;
        private long stateBytes = MB256;
        private LatencyModel latency = REFERENCE;
        private final Map<Integer, GpuState> states = new HashMap<>();
        private final Map<Integer, Long> memory = new HashMap<>();
        private final Map<Integer, Integer> counted = new HashMap<>();
        private final List<String> sessions = new ArrayList<>();
        private final List<SessionView> views = new ArrayList<>();

        private Builder(int gpus) {
            this.gpus = gpus;
        }

        Builder k(int value) {
            k = value;
            return this;
        }

        Builder now(long nanos) {
            now = nanos;
            return this;
        }

        Builder stateBytes(long bytes) {
            stateBytes = bytes;
            return this;
        }

        Builder latency(LatencyModel model) {
            latency = model;
            return this;
        }

        Builder state(int gpu, GpuState state) {
            states.put(gpu, state);
            return this;
        }

        Builder memory(int gpu, long freeBytes) {
            memory.put(gpu, freeBytes);
            return this;
        }

        /** The controller's slot count for {@code gpu}, as views built by the controller carry it. */
        Builder counted(int gpu, int sessions) {
            counted.put(gpu, sessions);
            return this;
        }

        Builder sessions(String... specs) {
            sessions.addAll(List.of(specs));
            return this;
        }

        /** Sessions given as views, after those given as specs. */
        Builder views(SessionView... v) {
            views.addAll(List.of(v));
            return this;
        }

        ClusterSnapshot build() {
            List<GpuView> g = new ArrayList<>();
            for (int i = 0; i < gpus; i++) {
                g.add(new GpuView(i, states.getOrDefault(i, GpuState.READY), k, memory.getOrDefault(i, 1L << 30), 0,
                        counted.getOrDefault(i, -1), -1));
            }
            List<SessionView> s = new ArrayList<>();
            int active = 0;
            for (String spec : sessions) {
                String[] p = spec.split(":");
                Lifecycle lifecycle = Lifecycle.valueOf(p[1]);
                long bytes = p.length > 4 ? Long.parseLong(p[4]) : stateBytes;
                long since = p.length > 5 ? Long.parseLong(p[5]) : 0;
                s.add(new SessionView(p[0], "tiny", lifecycle, Residency.valueOf(p[2]), Integer.parseInt(p[3]), bytes,
                        since, 0));
                active += lifecycle == Lifecycle.ACTIVE ? 1 : 0;
            }
            for (SessionView v : views) {
                s.add(v);
                active += v.lifecycle() == Lifecycle.ACTIVE ? 1 : 0;
            }
            return new ClusterSnapshot(now, k, k, gpus, new BudgetBounds(1, Math.max(1, gpus)), g, s,
                    new DemandStats(s.size(), active, 60_000_000_000L, List.of(), active, 0), latency);
        }
    }
}
