package io.turboserve.core.runtime;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turboserve.api.SessionSpec;
import io.turboserve.api.StateHandle;
import io.turboserve.api.executor.ChunkExecutor;
import io.turboserve.api.executor.ExecutorInfo;
import io.turboserve.api.executor.StepItem;
import io.turboserve.api.executor.StepResult;
import io.turboserve.api.offload.HostSlot;
import io.turboserve.api.offload.OffloadStore;
import io.turboserve.api.offload.Slab;
import io.turboserve.core.controller.Effect;
import io.turboserve.core.controller.Event;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * An executor that allows concurrent copies has its offloads run while a step of the same GPU is
 * still running; any other executor has them wait for the step, as the SPI's one-thread-per-device
 * contract says.
 */
class CopyLaneTest {
    private static final SessionSpec SPEC = new SessionSpec("t", "tiny", "p", 1, Map.of());

    /** A step that blocks until released; copies that return at once. */
    private static final class BlockingExecutor implements ChunkExecutor {
        final CountDownLatch stepEntered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public ExecutorInfo info() {
            return new ExecutorInfo("blocking", "tiny", 1, 1 << 20, 4, 4);
        }

        @Override
        public long stateBytes(SessionSpec spec) {
            return 64;
        }

        @Override
        public StateHandle create(int gpu, String sessionId, SessionSpec spec) {
            return new StateHandle(sessionId, gpu, 1, 64, 0);
        }

        @Override
        public StateHandle allocate(int gpu, String sessionId, long bytes) {
            return new StateHandle(sessionId, gpu, 2, bytes, 0);
        }

        @Override
        public void free(StateHandle state) {
        }

        @Override
        public StepResult step(int gpu, List<StepItem> batch) throws io.turboserve.api.executor.ExecutorException {
            stepEntered.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new StepResult(List.of(), 0);
        }

        @Override
        public void copyToHost(StateHandle state, HostSlot slot) {
        }

        @Override
        public void copyFromHost(HostSlot slot, StateHandle state) {
        }

        @Override
        public void copyDevice(StateHandle from, StateHandle to) {
        }
    }

    private static final class Store implements OffloadStore {
        @Override
        public HostSlot allocate(String sessionId, long bytes) {
            return new HostSlot() {
                @Override
                public String sessionId() {
                    return sessionId;
                }

                @Override
                public long address() {
                    return 0;
                }

                @Override
                public long bytes() {
                    return bytes;
                }

                @Override
                public void write(long offset, byte[] src, int srcOffset, int length) {
                }

                @Override
                public void read(long offset, byte[] dst, int dstOffset, int length) {
                }
            };
        }

        @Override
        public void free(HostSlot slot) {
        }

        @Override
        public long capacityBytes() {
            return 1 << 20;
        }

        @Override
        public long usedBytes() {
            return 0;
        }

        @Override
        public List<Slab> slabs() {
            return List.of();
        }

        @Override
        public AutoCloseable onSlab(Consumer<Slab> listener) {
            return () -> { };
        }
    }

    private static Event.OffloadCopied offloadWhileStepping(boolean concurrent) throws Exception {
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        EffectRunner runner = new EffectRunner(events::add, new ConcurrentHashMap<>(), System::nanoTime);
        BlockingExecutor exec = new BlockingExecutor();
        runner.setExecutor(exec, concurrent);
        runner.setStore(new Store());
        try {
            StateHandle stepping = new StateHandle("a", 0, 1, 64, 0);
            StateHandle leaving = new StateHandle("b", 0, 3, 64, 0);
            runner.run(List.of(new Effect.RunStep(0, List.of(new StepItem(SPEC, stepping, 0)))));
            assertTrue(exec.stepEntered.await(5, TimeUnit.SECONDS), "the step started");
            runner.run(List.of(new Effect.Offload("b", leaving)));
            Event first = events.poll(concurrent ? 5 : 0, TimeUnit.SECONDS);
            if (!concurrent) {
                Thread.sleep(200);
                first = events.poll();
            }
            exec.release.countDown();
            return first instanceof Event.OffloadCopied copied ? copied : null;
        } finally {
            exec.release.countDown();
            runner.close();
        }
    }

    @Test
    void anExecutorThatAllowsItCopiesWhileItSteps() throws Exception {
        assertNotNull(offloadWhileStepping(true), "the offload finished while the step was still running");
    }

    @Test
    void otherwiseACopyWaitsForTheStepOfItsGpu() throws Exception {
        Event.OffloadCopied copied = offloadWhileStepping(false);
        assertNull(copied, "nothing finished while the step ran");
    }
}
