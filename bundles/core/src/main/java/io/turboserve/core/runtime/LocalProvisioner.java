package io.turboserve.core.runtime;

import io.turboserve.api.config.ConfigValues;
import io.turboserve.api.executor.ChunkExecutor;
import io.turboserve.api.executor.ExecutorInfo;
import io.turboserve.api.provision.GpuInfo;
import io.turboserve.api.provision.GpuProvisioner;
import io.turboserve.api.provision.ProvisionException;
import java.util.BitSet;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Provisions the GPU workers of this machine: the devices the bound executor drives, lowest id
 * first. A cluster provisioner replaces it by ranking higher.
 */
@Component(service = GpuProvisioner.class, configurationPid = "io.turboserve.core.provisioner",
        configurationPolicy = ConfigurationPolicy.OPTIONAL, property = "service.ranking:Integer=-100")
@Designate(ocd = LocalProvisioner.Config.class)
public final class LocalProvisioner implements GpuProvisioner {

    @ObjectClassDefinition(name = "TurboServe local GPU provisioner")
    public @interface Config {
        @AttributeDefinition(description = "Most GPU workers to hand out; -1 = every device the executor drives.")
        int maxGpus() default -1;

        @AttributeDefinition(description = "Modelled cold start of a GPU in milliseconds (0: none; DESIGN.md uses 30 s in realistic runs).")
        long coldStartMillis() default 0;
    }

    private final BitSet held = new BitSet();
    private volatile ChunkExecutor executor;
    private volatile int maxGpus;
    private volatile long coldStartMillis;

    @Activate
    public LocalProvisioner(Config config) {
        ConfigValues.orDefaults("io.turboserve.core.provisioner", Config.class, config, c -> {
            configure(c);
            return c;
        });
    }

    @Modified
    void configure(Config config) {
        ConfigValues.readable("io.turboserve.core.provisioner", Config.class, config);
        if (config.maxGpus() < -1 || config.maxGpus() == 0) {
            throw new IllegalArgumentException("maxGpus must be -1 (all devices) or at least 1, got " + config.maxGpus());
        }
        if (config.coldStartMillis() < 0) {
            throw new IllegalArgumentException("coldStartMillis must not be negative, got " + config.coldStartMillis());
        }
        this.maxGpus = config.maxGpus();
        this.coldStartMillis = config.coldStartMillis();
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindExecutor(ChunkExecutor e) {
        executor = e;
    }

    void unbindExecutor(ChunkExecutor e) {
        if (executor == e) {
            executor = null;
        }
    }

    @Override
    public int maxGpus() {
        ChunkExecutor e = executor;
        int devices = e == null ? 0 : e.info().devices();
        return maxGpus < 0 ? devices : Math.min(devices, maxGpus);
    }

    @Override
    public GpuInfo acquire() throws ProvisionException {
        ChunkExecutor e = executor;
        if (e == null) {
            throw new ProvisionException("no executor is bound, so there are no local GPU workers");
        }
        ExecutorInfo info = e.info();
        int id;
        synchronized (held) {
            int limit = maxGpus();
            id = held.nextClearBit(0);
            if (id >= limit) {
                throw new ProvisionException("all " + limit + " local GPU workers of executor '" + info.name() + "' are in use");
            }
            held.set(id);
        }
        if (coldStartMillis > 0) {
            try {
                Thread.sleep(coldStartMillis);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                release(id);
                throw new ProvisionException("interrupted during the cold start of GPU " + id);
            }
        }
        return new GpuInfo(id, info.name() + " worker " + id + " (" + info.model() + ")", info.deviceMemoryBytes());
    }

    @Override
    public void release(int gpu) {
        synchronized (held) {
            if (gpu >= 0) {
                held.clear(gpu);
            }
        }
    }
}
