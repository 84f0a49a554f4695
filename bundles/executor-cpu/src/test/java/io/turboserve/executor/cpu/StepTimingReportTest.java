package io.turboserve.executor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.turboserve.api.executor.ExecutorException;
import io.turboserve.api.executor.StepItem;
import io.turboserve.api.executor.StepResult;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Prints how long a tiny chunk step takes at batch 1 and 4 (after a warm-up), for the record; it
 * asserts nothing about time, which depends on the machine.
 */
class StepTimingReportTest {
    /** Thread CPU time as well as wall time: a shared build machine stretches the wall time. */
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    @Test
    void reportStepTimes() throws ExecutorException {
        CpuChunkExecutor executor = CpuChunkExecutorTest.executor(Map.of());
        List<CpuChunkExecutorTest.Session> sessions = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            sessions.add(CpuChunkExecutorTest.open(executor, 0, "s" + i,
                    CpuChunkExecutorTest.spec("timing prompt " + i, i)));
        }
        for (int batch : new int[] {1, 4, 1, 4}) { // the first pair warms the JIT up
            int steps = 20;
            long total = 0;
            long cpuBefore = CPU.getCurrentThreadCpuTime();
            for (int r = 0; r < steps; r++) {
                List<StepItem> items = new ArrayList<>();
                for (int i = 0; i < batch; i++) {
                    items.add(sessions.get(i).item());
                }
                StepResult result = executor.step(0, items);
                assertEquals(batch, result.outputs().size());
                for (int i = 0; i < batch; i++) {
                    sessions.get(i).next++;
                }
                total += result.computeNanos();
            }
            long cpu = CPU.getCurrentThreadCpuTime() - cpuBefore;
            System.out.printf("tiny chunk step, batch %d: %.2f ms per step wall, %.2f ms thread CPU (mean of %d)%n",
                    batch, total / 1e6 / steps, cpu / 1e6 / steps, steps);
        }
        System.out.printf("tiny state size at the defaults: %d bytes%n", executor.stateBytes(
                CpuChunkExecutorTest.spec("p", 0)));
    }
}
