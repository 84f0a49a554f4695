package io.turboserve.management;

import io.turboserve.api.serving.GpuStatus;
import io.turboserve.api.serving.ServingException;
import io.turboserve.api.serving.ServingService;

/**
 * {@link GpuMXBean} for one GPU. Every attribute looks the GPU up afresh (the service has no
 * single-GPU lookup, so it scans {@link ServingService#gpus()}); the last status seen is kept only
 * to describe the GPU once it is gone.
 */
final class GpuBean implements GpuMXBean {
    private final ServingService serving;
    private final int id;
    private volatile GpuStatus lastSeen;

    GpuBean(ServingService serving, GpuStatus initial) {
        this.serving = serving;
        this.id = initial.id();
        this.lastSeen = initial;
    }

    GpuSnapshot view() {
        for (GpuStatus g : serving.gpus()) {
            if (g.id() == id) {
                lastSeen = g;
                return GpuSnapshot.of(g);
            }
        }
        return GpuSnapshot.gone(lastSeen);
    }

    @Override
    public int getId() {
        return id;
    }

    @Override
    public String getState() {
        return view().state();
    }

    @Override
    public int getCapacity() {
        return view().capacity();
    }

    @Override
    public String[] getSessions() {
        return view().sessions().toArray(String[]::new);
    }

    @Override
    public int getFreeSlots() {
        return view().freeSlots();
    }

    @Override
    public long getSteps() {
        return view().steps();
    }

    @Override
    public double getLastStepMs() {
        return view().lastStepMs();
    }

    @Override
    public int getLastBatch() {
        return view().lastBatch();
    }

    @Override
    public boolean isGone() {
        return view().gone();
    }

    @Override
    public GpuSnapshot drain() {
        return drain(serving, id);
    }

    static GpuSnapshot drain(ServingService serving, int gpu) {
        try {
            return GpuSnapshot.of(serving.drain(gpu));
        } catch (ServingException e) {
            throw Failures.toJmx("drain GPU " + gpu, e);
        }
    }
}
