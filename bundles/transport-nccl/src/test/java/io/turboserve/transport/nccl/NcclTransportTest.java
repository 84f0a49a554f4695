package io.turboserve.transport.nccl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turboserve.api.StateHandle;
import io.turboserve.api.executor.ExecutorException;
import io.turboserve.api.offload.StoreFullException;
import io.turboserve.api.transport.TransferException;
import io.turboserve.transport.nccl.Fakes.CudaExecutor;
import io.turboserve.transport.nccl.Fakes.Ops;
import io.turboserve.transport.nccl.Fakes.PlainExecutor;
import io.turboserve.transport.nccl.Fakes.Store;
import io.turboserve.transport.nccl.NcclTransport.Settings;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The transport end to end without a GPU: which route runs for which executor and configuration,
 * the host-staged copy through the offload store, and the failures, with fake device operations.
 */
class NcclTransportTest {
    private static final int SIZE = 4099;

    /** Logical GPUs 0 and 1 share CUDA device 0 (a memory split); GPU 2 is CUDA device 1. */
    private final CudaExecutor executor = new CudaExecutor(0, 0, 1);
    private final Ops ops = new Ops(executor.memory);
    private final List<int[]> opsCreated = new ArrayList<>();
    private final Store store = new Store(1 << 20);
    private final byte[] content = Fakes.pattern(SIZE, 7);
    private final byte[] original = Fakes.copyOf(content);

    private NcclTransport transport(Mode mode, boolean ncclEnabled) {
        NcclTransport t = new NcclTransport(new Settings(mode, ncclEnabled), new int[] {0, 1}, devices -> {
            opsCreated.add(devices);
            return ops;
        });
        t.setStore(store);
        return t;
    }

    private NcclTransport transport(Mode mode) {
        return transport(mode, true);
    }

    private StateHandle source(int gpu) {
        return executor.state(gpu, "s1", content);
    }

    private StateHandle target(int gpu) {
        return executor.allocate(gpu, "s1", SIZE);
    }

    private void assertMoved(StateHandle from, StateHandle to) {
        assertArrayEquals(original, executor.memory.at(to.address()), "target holds the state");
        assertArrayEquals(original, executor.memory.at(from.address()), "source untouched");
    }

    private void assertSourceUntouched(StateHandle from) {
        assertArrayEquals(original, executor.memory.at(from.address()), "source untouched");
    }

    // ---------------------------------------------------------------- supports

    @Test
    void supportsOnlyCudaExecutors() {
        NcclTransport t = transport(Mode.AUTO);
        assertEquals("nccl", t.name());
        assertFalse(t.supports(new PlainExecutor(), 0, 1));
        assertFalse(t.supports(null, 0, 1));
        assertTrue(t.supports(executor, 0, 1));
        assertTrue(t.supports(executor, 1, 1));
        assertTrue(opsCreated.isEmpty(), "supports() touches nothing native");
    }

    @Test
    void aNonCudaExecutorIsRefusedClearly() {
        PlainExecutor cpu = new PlainExecutor();
        StateHandle from = cpu.state(0, "s1", content);
        StateHandle to = cpu.allocate(1, "s1", SIZE);
        TransferException e = assertThrows(TransferException.class, () -> transport(Mode.AUTO).copy(cpu, from, to));
        assertTrue(e.getMessage().contains("does not keep its states in CUDA memory"), e.getMessage());
        assertTrue(e.getMessage().contains("session s1 from GPU 0 to GPU 1"), e.getMessage());
        assertTrue(opsCreated.isEmpty());
    }

    // ---------------------------------------------------------------- auto routes

    @Test
    void twoWorkersOnOneDeviceGetADeviceCopyWithoutAskingNccl() throws Exception {
        StateHandle from = source(0);
        StateHandle to = target(1);
        transport(Mode.AUTO).copy(executor, from, to);
        assertEquals(List.of("deviceCopy(0)"), ops.calls);
        assertEquals(0, ops.ncclAsked);
        assertMoved(from, to);
        assertEquals(1, opsCreated.size());
        assertArrayEquals(new int[] {0, 1}, opsCreated.get(0));
    }

    @Test
    void twoDevicesGoOverNcclWhenItWorks() throws Exception {
        StateHandle from = source(0);
        StateHandle to = target(2);
        transport(Mode.AUTO).copy(executor, from, to);
        assertEquals(List.of("ncclCopy(0->1)"), ops.calls);
        assertEquals(0, ops.peerAsked);
        assertMoved(from, to);
    }

    @Test
    void withoutNcclButWithPeerAccessTwoDevicesGetAPeerCopy() throws Exception {
        ops.ncclProblem = "the NCCL library could not be loaded (libnccl.so.2 not found)";
        ops.peer = true;
        StateHandle from = source(2);
        StateHandle to = target(0);
        transport(Mode.AUTO).copy(executor, from, to);
        assertEquals(List.of("peerCopy(1->0)"), ops.calls);
        assertMoved(from, to);
    }

    @Test
    void withoutNcclOrPeerAccessTwoDevicesGoThroughTheHost() throws Exception {
        ops.ncclProblem = "ncclCommInitAll failed";
        ops.peer = false;
        StateHandle from = source(0);
        StateHandle to = target(2);
        transport(Mode.AUTO).copy(executor, from, to);
        assertTrue(ops.calls.isEmpty(), ops.calls.toString());
        assertEquals(List.of("copyToHost(0)", "copyFromHost(2)"), executor.calls);
        assertMoved(from, to);
        assertEquals(1, store.allocations);
        assertTrue(store.live.isEmpty(), "staging slot freed");
    }

    @Test
    void ncclDisabledByConfigurationIsNeverInitialised() throws Exception {
        ops.peer = true;
        StateHandle from = source(0);
        StateHandle to = target(2);
        transport(Mode.AUTO, false).copy(executor, from, to);
        assertEquals(0, ops.ncclAsked);
        assertEquals(List.of("peerCopy(0->1)"), ops.calls);
    }

    @Test
    void theNcclStateIsAskedEachTimeButNativeOpsAreCreatedOnce() throws Exception {
        NcclTransport t = transport(Mode.AUTO);
        t.copy(executor, source(0), target(2));
        t.copy(executor, source(2), target(0));
        t.copy(executor, source(0), target(1));
        assertEquals(1, opsCreated.size());
        assertEquals(List.of("ncclCopy(0->1)", "ncclCopy(1->0)", "deviceCopy(0)"), ops.calls);
    }

    // ---------------------------------------------------------------- forced modes

    @Test
    void ncclModeOnOneDeviceSendsToSelf() throws Exception {
        StateHandle from = source(0);
        StateHandle to = target(1);
        transport(Mode.NCCL).copy(executor, from, to);
        assertEquals(List.of("ncclCopy(0->0)"), ops.calls);
        assertMoved(from, to);
    }

    @Test
    void ncclModeWithoutNcclFailsAndSaysWhy() {
        ops.ncclProblem = "the NCCL library could not be loaded (libnccl.so.2: cannot open shared object file)";
        StateHandle from = source(0);
        StateHandle to = target(1);
        TransferException e = assertThrows(TransferException.class, () -> transport(Mode.NCCL).copy(executor, from, to));
        assertTrue(e.getMessage().contains("mode nccl, but NCCL is not usable"), e.getMessage());
        assertTrue(e.getMessage().contains("libnccl.so.2"), e.getMessage());
        assertTrue(e.getMessage().contains("the source stays authoritative on GPU 0"), e.getMessage());
        assertTrue(ops.calls.isEmpty());
        assertSourceUntouched(from);
    }

    @Test
    void deviceCopyModeUsesAPeerCopyAcrossDevices() throws Exception {
        StateHandle from = source(2);
        StateHandle to = target(1);
        transport(Mode.DEVICE_COPY).copy(executor, from, to);
        assertEquals(List.of("peerCopy(1->0)"), ops.calls);
        assertEquals(0, ops.ncclAsked);
        assertEquals(0, ops.peerAsked);
        assertMoved(from, to);
    }

    @Test
    void hostStagedModeNeverTouchesNativeCode() throws Exception {
        StateHandle from = source(0);
        StateHandle to = target(1);
        transport(Mode.HOST_STAGED).copy(executor, from, to);
        assertTrue(opsCreated.isEmpty(), "no native operations created");
        assertMoved(from, to);
        assertTrue(store.live.isEmpty());
        assertEquals(0, store.usedBytes());
    }

    // ---------------------------------------------------------------- host-staged failures

    @Test
    void aFailedCopyToHostFreesTheSlotAndLeavesTheSource() {
        executor.failAt = "copyToHost";
        StateHandle from = source(0);
        StateHandle to = target(2);
        TransferException e = assertThrows(TransferException.class,
                () -> transport(Mode.HOST_STAGED).copy(executor, from, to));
        assertTrue(e.getMessage().contains("failed at copyToHost: device 0 fell off the bus"), e.getMessage());
        assertTrue(e.getMessage().contains("session s1 from GPU 0 (CUDA device 0) to GPU 2 (CUDA device 1)"),
                e.getMessage());
        assertInstanceOf(ExecutorException.class, e.getCause());
        assertEquals(1, store.frees);
        assertTrue(store.live.isEmpty());
        assertSourceUntouched(from);
    }

    @Test
    void aFailedCopyFromHostFreesTheSlotAndLeavesTheSource() {
        executor.failAt = "copyFromHost";
        StateHandle from = source(0);
        StateHandle to = target(2);
        TransferException e = assertThrows(TransferException.class,
                () -> transport(Mode.HOST_STAGED).copy(executor, from, to));
        assertTrue(e.getMessage().contains("failed at copyFromHost: pinned copy failed"), e.getMessage());
        assertEquals(List.of("copyToHost(0)", "copyFromHost(2)"), executor.calls);
        assertEquals(1, store.frees);
        assertTrue(store.live.isEmpty());
        assertSourceUntouched(from);
    }

    @Test
    void aFullStoreIsAClearTransferError() {
        Store small = new Store(SIZE - 1);
        NcclTransport t = transport(Mode.HOST_STAGED);
        t.setStore(small);
        StateHandle from = source(0);
        StateHandle to = target(2);
        TransferException e = assertThrows(TransferException.class, () -> t.copy(executor, from, to));
        assertTrue(e.getMessage().contains("the offload store is full"), e.getMessage());
        assertTrue(e.getMessage().contains(SIZE + " bytes cannot be staged"), e.getMessage());
        assertTrue(e.getMessage().contains((SIZE - 1) + " bytes free of " + (SIZE - 1)), e.getMessage());
        assertInstanceOf(StoreFullException.class, e.getCause());
        assertTrue(executor.calls.isEmpty(), "nothing copied");
        assertTrue(small.live.isEmpty());
        assertSourceUntouched(from);
    }

    @Test
    void hostStagingWithoutAStoreSaysSo() {
        NcclTransport t = transport(Mode.HOST_STAGED);
        t.setStore(null);
        StateHandle from = source(0);
        TransferException e = assertThrows(TransferException.class, () -> t.copy(executor, from, target(1)));
        assertTrue(e.getMessage().contains("needs an offload store, and none is bound"), e.getMessage());
        assertSourceUntouched(from);
    }

    // ---------------------------------------------------------------- native failures and guards

    @Test
    void aNativeFailureNamesCallErrorSessionAndGpus() {
        ops.failure = new NativeCallException("ncclGroupEnd", "error 3 (unhandled cuda error)");
        StateHandle from = source(0);
        StateHandle to = target(2);
        TransferException e = assertThrows(TransferException.class, () -> transport(Mode.AUTO).copy(executor, from, to));
        String m = e.getMessage();
        assertTrue(m.contains("ncclGroupEnd failed: error 3 (unhandled cuda error)"), m);
        assertTrue(m.contains("migration of session s1 from GPU 0 (CUDA device 0) to GPU 2 (CUDA device 1)"), m);
        assertTrue(m.contains("by NCCL send/recv"), m);
        assertTrue(m.contains("the source stays authoritative on GPU 0"), m);
        assertSame(ops.failure, e.getCause());
        assertSourceUntouched(from);
    }

    @Test
    void aDeviceCopyFailureIsReportedLikeWise() {
        ops.failure = new NativeCallException("cudaMemcpyAsync(device 0, 4099 bytes)",
                "error 700 (an illegal memory access was encountered)");
        TransferException e = assertThrows(TransferException.class,
                () -> transport(Mode.AUTO).copy(executor, source(0), target(1)));
        assertTrue(e.getMessage().contains("by device copy failed: cudaMemcpyAsync(device 0, 4099 bytes) failed: error 700"),
                e.getMessage());
    }

    @Test
    void mismatchedSizesOrSessionsAreRefusedBeforeAnyCopy() {
        NcclTransport t = transport(Mode.AUTO);
        StateHandle from = source(0);
        StateHandle smaller = executor.allocate(1, "s1", SIZE - 1);
        TransferException e = assertThrows(TransferException.class, () -> t.copy(executor, from, smaller));
        assertTrue(e.getMessage().contains("the source holds 4099 bytes but the target 4098"), e.getMessage());
        StateHandle other = executor.allocate(1, "s2", SIZE);
        e = assertThrows(TransferException.class, () -> t.copy(executor, from, other));
        assertTrue(e.getMessage().contains("belongs to session s2"), e.getMessage());
        assertTrue(opsCreated.isEmpty());
    }

    @Test
    void anUnknownWorkerIsATransferError() {
        StateHandle from = source(0);
        StateHandle to = new StateHandle("s1", 9, 0x1234, SIZE, 0);
        TransferException e = assertThrows(TransferException.class, () -> transport(Mode.AUTO).copy(executor, from, to));
        assertTrue(e.getMessage().contains("cannot say which CUDA device holds the state (no GPU worker 9)"), e.getMessage());
    }

    @Test
    void anEmptyStateNeedsNoCopy() throws Exception {
        StateHandle from = executor.state(0, "s1", new byte[0]);
        StateHandle to = executor.allocate(2, "s1", 0);
        transport(Mode.AUTO).copy(executor, from, to);
        assertTrue(opsCreated.isEmpty());
    }

    @Test
    void deactivationClosesNativeStateAndRefusesLaterCopies() throws Exception {
        NcclTransport t = transport(Mode.AUTO);
        t.copy(executor, source(0), target(1));
        t.deactivate();
        assertTrue(ops.closed);
        StateHandle from = source(0);
        TransferException e = assertThrows(TransferException.class, () -> t.copy(executor, from, target(1)));
        assertTrue(e.getMessage().contains("the nccl transport is stopped"), e.getMessage());
        assertSourceUntouched(from);
    }

    @Test
    void deactivationWithoutNativeUseCreatesNothing() {
        NcclTransport t = transport(Mode.AUTO);
        t.deactivate();
        assertTrue(opsCreated.isEmpty());
    }
}
