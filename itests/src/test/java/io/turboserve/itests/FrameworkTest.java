package io.turboserve.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turboserve.api.executor.ChunkExecutor;
import io.turboserve.api.offload.OffloadStore;
import io.turboserve.api.policy.AutoscalingPolicy;
import io.turboserve.api.policy.PlacementPolicy;
import io.turboserve.api.serving.PolicySlot;
import io.turboserve.api.serving.ServingService;
import io.turboserve.cuda.CudaRuntime;
import io.turboserve.cuda.CudaStatus;
import io.turboserve.api.transport.MigrationTransport;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

/** The bundles resolve and activate, and the server's services are there. */
@ExtendWith({BundleContextExtension.class, ServiceExtension.class})
class FrameworkTest {

    @InjectBundleContext
    BundleContext context;

    @Test
    void everyTurboServeBundleIsActive() {
        int ours = 0;
        for (Bundle b : context.getBundles()) {
            if (b.getSymbolicName().startsWith("io.turboserve.") && !b.getSymbolicName().endsWith("-tests")) {
                ours++;
                assertEquals(Bundle.ACTIVE, b.getState(), b.getSymbolicName() + " is active");
            }
        }
        assertEquals(11, ours, "api, cuda, gpu-cuda, transport-nccl, core, placement, autoscaler, offload-arrow, "
                + "executor-cpu, gateway, management");
    }

    @Test
    void theServerServesWithTheCpuExecutorAndTheBaselinePolicies(
            @InjectService(timeout = 10_000) ServingService serving,
            @InjectService(timeout = 10_000, filter = "(executor.name=cpu)") ChunkExecutor cpu,
            @InjectService(timeout = 10_000) OffloadStore store,
            @InjectService(timeout = 10_000, filter = "(policy.name=round-robin)") PlacementPolicy rr,
            @InjectService(timeout = 10_000, filter = "(policy.name=fixed)") AutoscalingPolicy fixed) throws Exception {
        Server.pinPolicies(context, "least-loaded", "fixed"); // the default, forecast, packs: fewer GPUs while idle
        assertNotNull(cpu.info());
        assertTrue(store.capacityBytes() > 0);
        assertTrue(serving.policies(PolicySlot.PLACEMENT).contains("least-loaded"));
        assertTrue(serving.policies(PolicySlot.PLACEMENT).contains("round-robin"));
        Server.await("4 CPU workers are ready", java.time.Duration.ofSeconds(15), () -> serving.cluster().gpusReady() >= 4);
        assertEquals(4, serving.cluster().gpusReady(), "4 CPU workers stand in for GPUs");
        assertTrue(serving.cluster().executor().startsWith("cpu"), serving.cluster().executor());
    }

    @Test
    void jolokiaServesTheClusterMBean() throws Exception {
        Server server = Server.find(context);
        Server.Response r = server.send("GET", "/jolokia/read/io.turboserve:type=Cluster/SessionsPerGpu", null);
        assertEquals(200, r.status(), r.body());
        assertEquals("4", Server.field(r.body(), "value"), r.body());
    }

    @Test
    void theCudaBundleSaysWhetherAGpuIsUsableAndWhyNot(@InjectService(timeout = 10_000) CudaStatus status) {
        // On a machine without a driver (CI) the bundle stays out of the way with a reason; the
        // CPU executor serves either way until a GPU executor exists.
        if (!status.available()) {
            assertTrue(status.reason().contains("CUDA") || !status.reason().isBlank(), status.reason());
            assertEquals(null, context.getServiceReference(io.turboserve.cuda.CudaRuntime.class),
                    "no CUDA runtime service without a usable device");
        }
    }

    /**
     * Without a usable device the CUDA executor and the NCCL transport resolve and start, and stay
     * out of the way: their components wait for the CUDA runtime service, even when the executor
     * is configured, and the CPU executor and the in-process transport serve.
     */
    @Test
    void theGpuBundlesStayOutOfTheWayWithoutADevice(@InjectService(timeout = 10_000) CudaStatus status,
            @InjectService(timeout = 10_000) ServiceComponentRuntime scr,
            @InjectService(timeout = 10_000) ConfigurationAdmin admin) throws Exception {
        Assumptions.assumeFalse(status.available(), "a CUDA device is usable here: " + status.message());
        Configuration config = admin.getConfiguration("io.turboserve.gpu.cuda.executor", "?");
        config.update(new Hashtable<>(Map.of("model", "tiny")));
        try {
            for (String name : new String[] {"io.turboserve.gpu.cuda", "io.turboserve.transport.nccl"}) {
                Bundle bundle = java.util.Arrays.stream(context.getBundles())
                        .filter(b -> name.equals(b.getSymbolicName())).findFirst().orElseThrow();
                assertEquals(Bundle.ACTIVE, bundle.getState(), name);
                long deadline = System.currentTimeMillis() + 10_000;
                List<ComponentConfigurationDTO> configs = List.of();
                // The configuration update reaches SCR asynchronously: while it reconfigures the
                // component its DTO can be missing or in a transient state (-1), so wait for one
                // settled configuration rather than for the first DTO.
                while (!settled(configs) && System.currentTimeMillis() < deadline) {
                    Thread.sleep(50);
                    configs = scr.getComponentDescriptionDTOs(bundle).stream()
                            .flatMap(d -> scr.getComponentConfigurationDTOs(d).stream()).toList();
                }
                assertEquals(1, configs.size(), name + " has one component configuration");
                ComponentConfigurationDTO c = configs.get(0);
                assertEquals(ComponentConfigurationDTO.UNSATISFIED_REFERENCE, c.state, name);
                List<String> waitingFor = java.util.Arrays.stream(c.unsatisfiedReferences)
                        .flatMap(u -> java.util.Arrays.stream(c.description.references)
                                .filter(r -> r.name.equals(u.name)).map(r -> r.interfaceName))
                        .toList();
                assertEquals(List.of(CudaRuntime.class.getName()), waitingFor, name + " waits for the CUDA runtime alone");
            }
            assertEquals(0, context.getServiceReferences(ChunkExecutor.class, "(executor.name=cuda)").size());
            assertEquals(0, context.getServiceReferences(MigrationTransport.class, "(transport.name=nccl)").size());
        } finally {
            config.delete();
        }
    }

    private static boolean settled(List<ComponentConfigurationDTO> configs) {
        return configs.size() == 1 && configs.get(0).state == ComponentConfigurationDTO.UNSATISFIED_REFERENCE;
    }
}
