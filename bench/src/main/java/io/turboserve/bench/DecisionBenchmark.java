package io.turboserve.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One full scheduling decision (snapshot, autoscaling with bottleneckAt estimates, placement with
 * rebalancing, plan validation) at 64 GPUs / 1,000 sessions and at 1,024 GPUs / 16,000 sessions.
 * Targets: under 1 ms and under 15 ms (median); the paper: under 15 ms at 64 GPUs.
 * Run with {@code run/bench-decision}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DecisionBenchmark {

    @Param({"64:1000", "1024:16000"})
    public String shape;

    @Param({"turboserve/turboserve", Policies.OURS})
    public String policies;

    private ControllerFixture fixture;

    @Setup
    public void setUp() {
        String[] s = shape.split(":");
        String[] p = policies.split("/");
        fixture = new ControllerFixture(Integer.parseInt(s[0]), Integer.parseInt(s[1]), Policies.placement(p[0]),
                Policies.autoscaling(p[1], s.length > 0 ? Integer.parseInt(s[0]) : 1,
                io.turboserve.sim.SimSettings.analytic(Integer.parseInt(s[0]))), Policies.analyticLatency());
    }

    @Benchmark
    public int decision() {
        return fixture.decide();
    }
}
