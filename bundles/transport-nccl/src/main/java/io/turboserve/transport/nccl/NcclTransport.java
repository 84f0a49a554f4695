package io.turboserve.transport.nccl;

import io.turboserve.api.StateHandle;
import io.turboserve.api.config.ConfigValues;
import io.turboserve.api.executor.ChunkExecutor;
import io.turboserve.api.executor.ExecutorException;
import io.turboserve.api.offload.HostSlot;
import io.turboserve.api.offload.OffloadStore;
import io.turboserve.api.offload.StoreFullException;
import io.turboserve.api.transport.MigrationTransport;
import io.turboserve.api.transport.TransferException;
import io.turboserve.cuda.CudaDevice;
import io.turboserve.cuda.CudaMemoryOwner;
import io.turboserve.cuda.CudaRuntime;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Function;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * The migration transport of CUDA executors: copies a session's packed state from one allocation to
 * another, the copy step of a migration (the controller prepares, commits and aborts around it).
 *
 * <p>Routes ({@link RouteSelector}): a device copy when both allocations are on one CUDA device (two
 * logical GPU workers may share one device); NCCL send/recv between two devices; a peer copy, or a
 * copy staged through a slot of the host offload store, where NCCL cannot be used. The configuration
 * can force one route. Whatever fails becomes a {@link TransferException} naming the call, the error,
 * the session and the GPUs; the source is only ever read, so it stays authoritative.
 *
 * <p>Active only while a {@link CudaRuntime} service exists (a usable GPU): on a machine without one
 * this component is never satisfied and the in-process transport serves. Ranked 0, above the
 * in-process transport (-100), and {@link #supports} only CUDA executors ({@link CudaMemoryOwner}).
 *
 * <p>Native copies are serialised (one at a time through this transport); a host-staged copy is not.
 */
@Component(service = MigrationTransport.class, configurationPid = NcclTransport.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = {MigrationTransport.TRANSPORT_NAME + "=" + NcclTransport.NAME, "service.ranking:Integer=0"})
@Designate(ocd = NcclTransport.Config.class)
public final class NcclTransport implements MigrationTransport {
    /** The ConfigAdmin PID. */
    public static final String PID = "io.turboserve.transport.nccl.transport";
    /** The transport's name ({@value}), also its {@code transport.name} service property. */
    public static final String NAME = "nccl";

    private static final Logger LOG = System.getLogger(NcclTransport.class.getName());

    @ObjectClassDefinition(name = "TurboServe NCCL migration transport",
            description = "How the state of a migrating session moves between GPUs of the CUDA executor.")
    public @interface Config {
        @AttributeDefinition(name = "Mode",
                description = "auto (default): a device copy on one CUDA device; between two devices NCCL"
                        + " send/recv, or where NCCL is not usable a peer copy (with peer access) or a copy staged"
                        + " through the host offload store. device-copy: always cudaMemcpyAsync on one device,"
                        + " cudaMemcpyPeerAsync across two. nccl: always NCCL (on one device a send to self in a"
                        + " single-rank communicator); fails when NCCL is not usable. host-staged: always through"
                        + " a slot of the offload store.",
                options = {@Option(label = "auto", value = "auto"),
                    @Option(label = "device-copy", value = "device-copy"),
                    @Option(label = "nccl", value = "nccl"),
                    @Option(label = "host-staged", value = "host-staged")})
        String mode() default "auto";

        @AttributeDefinition(name = "NCCL enabled",
                description = "Default true. When false NCCL is never initialised, and in auto mode two devices"
                        + " use a peer copy or the host-staged copy. Must not be false with mode nccl.")
        boolean ncclEnabled() default true;
    }

    /** Validated configuration. */
    record Settings(Mode mode, boolean ncclEnabled) {
    }

    /** Validates a configuration; the exception names the PID, the property and the value. */
    static Settings configure(Config config) {
        ConfigValues.readable(PID, Config.class, config);
        Mode mode;
        try {
            mode = Mode.parse(config.mode());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(PID + ": mode " + e.getMessage(), e);
        }
        if (mode == Mode.NCCL && !config.ncclEnabled()) {
            throw new IllegalArgumentException(PID + ": mode=nccl contradicts ncclEnabled=false");
        }
        return new Settings(mode, config.ncclEnabled());
    }

    private final Settings settings;
    private final int[] nodeDevices;
    private final Function<int[], DeviceOps> opsFactory;
    private final Object nativeLock = new Object();
    private DeviceOps ops; // guarded by nativeLock; created on the first native route
    private boolean closed; // guarded by nativeLock
    private boolean ncclProblemLogged; // guarded by nativeLock

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile OffloadStore store;

    /** Activated by DS once a CUDA device is usable (the {@link CudaRuntime} service exists). */
    @Activate
    public NcclTransport(@Reference(name = "cuda") CudaRuntime cuda, Config config) {
        this(ConfigValues.orDefaults(PID, Config.class, config, NcclTransport::configure), cuda.devices().stream().mapToInt(CudaDevice::ordinal).toArray(),
                NcclTransport::nativeOps);
        LOG.log(Level.INFO, "NCCL migration transport ready: mode {0}{1}, CUDA devices {2}", settings.mode(),
                settings.ncclEnabled() ? "" : " (NCCL disabled)", Arrays.toString(nodeDevices));
    }

    /** For tests: native operations from {@code opsFactory}, called with the node's devices on first need. */
    NcclTransport(Settings settings, int[] nodeDevices, Function<int[], DeviceOps> opsFactory) {
        this.settings = settings;
        this.nodeDevices = nodeDevices.clone();
        this.opsFactory = opsFactory;
    }

    /** The only place {@link CudaDeviceOps} is named, so the class is resolved only when a native route runs. */
    private static DeviceOps nativeOps(int[] devices) {
        return new CudaDeviceOps(devices);
    }

    /** For tests: the offload store the host-staged route uses (DS sets the field itself). */
    void setStore(OffloadStore store) {
        this.store = store;
    }

    /** Destroys the NCCL communicators and the transport's streams. */
    @Deactivate
    void deactivate() {
        synchronized (nativeLock) {
            closed = true;
            if (ops != null) {
                ops.close();
                ops = null;
            }
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    /** Only CUDA executors: any other (the CPU executor) keeps the in-process transport. */
    @Override
    public boolean supports(ChunkExecutor executor, int fromGpu, int toGpu) {
        return executor instanceof CudaMemoryOwner;
    }

    @Override
    public void copy(ChunkExecutor executor, StateHandle from, StateHandle to) throws TransferException {
        String what = "migration of session " + from.sessionId() + " from GPU " + from.gpu() + " to GPU " + to.gpu();
        String untouched = "; the source stays authoritative on GPU " + from.gpu();
        if (!(executor instanceof CudaMemoryOwner owner)) {
            throw new TransferException(what + ": the executor " + executorName(executor)
                    + " does not keep its states in CUDA memory, and the nccl transport moves only those" + untouched);
        }
        if (!from.sessionId().equals(to.sessionId())) {
            throw new TransferException(what + ": the target allocation belongs to session " + to.sessionId() + untouched);
        }
        if (from.bytes() != to.bytes()) {
            throw new TransferException(what + ": the source holds " + from.bytes() + " bytes but the target "
                    + to.bytes() + untouched);
        }
        int srcDevice;
        int dstDevice;
        try {
            srcDevice = owner.cudaDevice(from.gpu());
            dstDevice = owner.cudaDevice(to.gpu());
        } catch (RuntimeException e) {
            throw new TransferException(what + ": the executor cannot say which CUDA device holds the state ("
                    + e.getMessage() + ")" + untouched, e);
        }
        what = "migration of session " + from.sessionId() + " from GPU " + from.gpu() + " (CUDA device " + srcDevice
                + ") to GPU " + to.gpu() + " (CUDA device " + dstDevice + ")";
        if (from.bytes() == 0) {
            return;
        }
        RouteSelector.Decision decision;
        long start = System.nanoTime();
        synchronized (nativeLock) {
            if (closed) {
                throw new TransferException(what + ": the nccl transport is stopped" + untouched);
            }
            decision = RouteSelector.choose(srcDevice, dstDevice, settings.mode(), this::ncclUsable,
                    () -> peerAccess(srcDevice, dstDevice));
            switch (decision.route()) {
                case NONE:
                    throw new TransferException(what + ": " + decision.why() + " (" + ncclProblemText() + ")" + untouched);
                case HOST_STAGED:
                    break; // below, outside the native lock
                default:
                    copyNatively(decision.route(), srcDevice, from, dstDevice, to, what, untouched);
            }
        }
        if (decision.route() == Route.HOST_STAGED) {
            copyThroughHost(executor, from, to, what, untouched);
        }
        if (LOG.isLoggable(Level.DEBUG)) {
            long nanos = System.nanoTime() - start;
            LOG.log(Level.DEBUG, String.format(Locale.ROOT, "%s: %d bytes by %s (%s) in %.3f ms, %.2f GB/s", what,
                    from.bytes(), decision.route(), decision.why(), nanos / 1e6, from.bytes() / Math.max(1.0, nanos)));
        }
    }

    // ---------------------------------------------------------------- native routes (under nativeLock)

    private DeviceOps ops() {
        if (ops == null) {
            ops = opsFactory.apply(nodeDevices.clone());
        }
        return ops;
    }

    private boolean ncclUsable() {
        if (!settings.ncclEnabled()) {
            return false;
        }
        String problem = ops().ncclProblem();
        if (problem != null && !ncclProblemLogged) {
            ncclProblemLogged = true;
            LOG.log(Level.WARNING, "NCCL is not usable: {0}; {1}", problem, settings.mode() == Mode.NCCL
                    ? "with mode nccl every migration fails until the transport is restarted with NCCL working"
                    : "migrations between two CUDA devices use a peer copy or the host-staged copy");
        }
        return problem == null;
    }

    private String ncclProblemText() {
        if (!settings.ncclEnabled()) {
            return "disabled by configuration: " + PID + " ncclEnabled=false";
        }
        String problem = ops().ncclProblem();
        return problem == null ? "NCCL is usable" : problem;
    }

    private boolean peerAccess(int srcDevice, int dstDevice) {
        try {
            return ops().canAccessPeer(srcDevice, dstDevice);
        } catch (NativeCallException | RuntimeException | LinkageError e) {
            LOG.log(Level.DEBUG, "peer access query failed, taken as no peer access: " + e.getMessage());
            return false;
        }
    }

    private void copyNatively(Route route, int srcDevice, StateHandle from, int dstDevice, StateHandle to, String what,
            String untouched) throws TransferException {
        try {
            DeviceOps native_ = ops();
            switch (route) {
                case DEVICE_COPY -> native_.deviceCopy(srcDevice, to.address(), from.address(), from.bytes());
                case PEER_COPY -> native_.peerCopy(dstDevice, to.address(), srcDevice, from.address(), from.bytes());
                case NCCL, NCCL_SELF -> native_.ncclCopy(srcDevice, from.address(), dstDevice, to.address(), from.bytes());
                default -> throw new IllegalStateException("not a native route: " + route);
            }
        } catch (NativeCallException e) {
            throw new TransferException(what + " by " + route + " failed: " + e.getMessage() + untouched, e);
        } catch (RuntimeException | LinkageError e) {
            throw new TransferException(what + " by " + route + " failed: " + e + untouched, e);
        }
    }

    // ---------------------------------------------------------------- host-staged route

    private void copyThroughHost(ChunkExecutor executor, StateHandle from, StateHandle to, String what,
            String untouched) throws TransferException {
        OffloadStore s = store;
        if (s == null) {
            throw new TransferException(what + ": the host-staged copy needs an offload store, and none is bound"
                    + untouched);
        }
        HostSlot slot;
        try {
            slot = s.allocate(from.sessionId(), from.bytes());
        } catch (StoreFullException e) {
            throw new TransferException(what + ": the offload store is full, so the " + from.bytes()
                    + " bytes cannot be staged through host memory (" + e.freeBytes() + " bytes free of "
                    + s.capacityBytes() + ")" + untouched, e);
        } catch (RuntimeException e) {
            throw new TransferException(what + ": no staging slot from the offload store (" + e + ")" + untouched, e);
        }
        String step = "copyToHost";
        try {
            executor.copyToHost(from, slot);
            step = "copyFromHost";
            executor.copyFromHost(slot, to);
        } catch (ExecutorException | RuntimeException e) {
            throw new TransferException(what + " by host-staged copy failed at " + step + ": " + e.getMessage()
                    + untouched, e);
        } finally {
            try {
                s.free(slot);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "freeing the staging slot of session " + from.sessionId() + " failed: " + e);
            }
        }
    }

    private static String executorName(ChunkExecutor executor) {
        if (executor == null) {
            return "(none)";
        }
        try {
            return executor.info().name();
        } catch (RuntimeException e) {
            return executor.getClass().getName();
        }
    }
}
