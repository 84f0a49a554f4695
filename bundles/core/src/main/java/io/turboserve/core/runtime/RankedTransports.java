package io.turboserve.core.runtime;

import io.turboserve.api.executor.ChunkExecutor;
import io.turboserve.api.transport.MigrationTransport;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The bound migration transports in the order OSGi ranks services: highest {@code service.ranking}
 * first, ties to the lowest {@code service.id} (the one registered first). A migration uses the first
 * transport in that order that supports the pair of GPUs, so a real transport (NCCL, ranking 0) wins
 * over the in-process one (ranking -100) whatever order they were bound in.
 *
 * <p>Reads take a snapshot without locking; binds and unbinds replace it.
 */
final class RankedTransports {
    /** OSGi's {@code service.ranking}; an absent or non-{@link Integer} value counts as 0. */
    static final String SERVICE_RANKING = "service.ranking";
    /** OSGi's {@code service.id}. */
    static final String SERVICE_ID = "service.id";

    private record Entry(MigrationTransport transport, int ranking, long serviceId, long arrival) {
    }

    /** Highest ranking first, then lowest service id, then (without ids) the order of binding. */
    private static final Comparator<Entry> ORDER = Comparator.comparingInt((Entry e) -> e.ranking).reversed()
            .thenComparingLong(e -> e.serviceId)
            .thenComparingLong(e -> e.arrival);

    private volatile List<Entry> entries = List.of();
    private long arrivals; // guarded by this

    /** Adds (or re-ranks, if already bound) a transport with its service properties. */
    synchronized void add(MigrationTransport transport, Map<String, ?> props) {
        List<Entry> next = new ArrayList<>(entries.size() + 1);
        for (Entry e : entries) {
            if (e.transport != transport) {
                next.add(e);
            }
        }
        next.add(new Entry(transport, ranking(props), serviceId(props), arrivals++));
        next.sort(ORDER);
        entries = List.copyOf(next);
    }

    synchronized void remove(MigrationTransport transport) {
        List<Entry> next = new ArrayList<>(entries);
        next.removeIf(e -> e.transport == transport);
        entries = List.copyOf(next);
    }

    /** The highest-ranked transport that supports moving state of {@code executor} between the GPUs, or null. */
    MigrationTransport choose(ChunkExecutor executor, int fromGpu, int toGpu) {
        for (Entry e : entries) {
            if (e.transport.supports(executor, fromGpu, toGpu)) {
                return e.transport;
            }
        }
        return null;
    }

    /** The transports in the order they are tried. */
    List<MigrationTransport> inOrder() {
        return entries.stream().map(Entry::transport).toList();
    }

    static int ranking(Map<String, ?> props) {
        Object r = props == null ? null : props.get(SERVICE_RANKING);
        return r instanceof Integer i ? i : 0;
    }

    static long serviceId(Map<String, ?> props) {
        Object id = props == null ? null : props.get(SERVICE_ID);
        return id instanceof Long l ? l : Long.MAX_VALUE;
    }
}
