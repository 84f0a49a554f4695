package io.turboserve.management;

import io.turboserve.api.serving.ClusterStatus;
import io.turboserve.api.serving.GpuStatus;
import io.turboserve.api.serving.ServingException;
import io.turboserve.api.serving.ServingService;
import io.turboserve.api.serving.SessionStatus;

/** {@link ClusterMXBean} over the serving service: each attribute is one fresh call. */
final class ClusterBean implements ClusterMXBean {
    private final ServingService serving;

    ClusterBean(ServingService serving) {
        this.serving = serving;
    }

    private ClusterStatus c() {
        return serving.cluster();
    }

    @Override
    public String getPlacementPolicy() {
        return text(c().placementPolicy());
    }

    @Override
    public String getAutoscalingPolicy() {
        return text(c().autoscalingPolicy());
    }

    @Override
    public String getExecutor() {
        return text(c().executor());
    }

    @Override
    public int getBudget() {
        return c().budget();
    }

    @Override
    public int getGpusReady() {
        return c().gpusReady();
    }

    @Override
    public int getMinBudget() {
        return c().minBudget();
    }

    @Override
    public int getMaxBudget() {
        return c().maxBudget();
    }

    @Override
    public int getSessionsPerGpu() {
        return c().sessionsPerGpu();
    }

    @Override
    public int getSessionsAlive() {
        return c().sessionsAlive();
    }

    @Override
    public int getSessionsActive() {
        return c().sessionsActive();
    }

    @Override
    public int getSessionsResident() {
        return c().sessionsResident();
    }

    @Override
    public int getSessionsOffloaded() {
        return c().sessionsOffloaded();
    }

    @Override
    public long getChunksDelivered() {
        return c().chunksDelivered();
    }

    @Override
    public long getMigrations() {
        return c().migrations();
    }

    @Override
    public long getOffloads() {
        return c().offloads();
    }

    @Override
    public long getRestores() {
        return c().restores();
    }

    @Override
    public long getRejectedPlanItems() {
        return c().rejectedPlanItems();
    }

    @Override
    public double getWorstChunkLatencyMs() {
        return Millis.of(c().worstChunkLatencyNanos());
    }

    @Override
    public double getGpuSeconds() {
        return c().gpuSecondsMillis() / 1000.0;
    }

    @Override
    public long getOffloadUsedBytes() {
        return c().offloadUsedBytes();
    }

    @Override
    public long getOffloadCapacityBytes() {
        return c().offloadCapacityBytes();
    }

    @Override
    public String[] getSessionIds() {
        return serving.sessions().stream().map(SessionStatus::id).toArray(String[]::new);
    }

    @Override
    public int[] getGpuIds() {
        return serving.gpus().stream().mapToInt(GpuStatus::id).toArray();
    }

    @Override
    public void setBudgetBounds(int min, int max) {
        try {
            serving.setBudgetBounds(min, max);
        } catch (ServingException e) {
            throw Failures.toJmx("setBudgetBounds(" + min + ", " + max + ")", e);
        }
    }

    @Override
    public void selectPolicy(String slot, String name) {
        PolicyBean.select(serving, Slots.parse(slot), name);
    }

    @Override
    public SessionSnapshot offloadSession(String id) {
        return SessionBean.offload(serving, Failures.required("session id", id));
    }

    @Override
    public SessionSnapshot migrateSession(String id, int gpu) {
        return SessionBean.migrate(serving, Failures.required("session id", id), gpu);
    }

    @Override
    public GpuSnapshot drainGpu(int gpu) {
        return GpuBean.drain(serving, gpu);
    }

    private static String text(String s) {
        return s == null ? "" : s;
    }
}
