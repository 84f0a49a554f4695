package io.turboserve.core.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.turboserve.api.StateHandle;
import io.turboserve.api.executor.ChunkExecutor;
import io.turboserve.api.transport.MigrationTransport;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The transport a migration uses: the highest ranking that supports the pair, whatever the binding order. */
class RankedTransportsTest {

    /** A transport that supports the pairs whose source GPU is in {@code sources} (all when empty). */
    private record Fake(String name, List<Integer> sources) implements MigrationTransport {
        @Override
        public boolean supports(ChunkExecutor executor, int fromGpu, int toGpu) {
            return sources.isEmpty() || sources.contains(fromGpu);
        }

        @Override
        public void copy(ChunkExecutor executor, StateHandle from, StateHandle to) {
        }
    }

    private static Map<String, Object> props(Integer ranking, Long serviceId) {
        Map<String, Object> p = new HashMap<>();
        if (ranking != null) {
            p.put("service.ranking", ranking);
        }
        if (serviceId != null) {
            p.put("service.id", serviceId);
        }
        return p;
    }

    private final Fake inProcess = new Fake("in-process", List.of());
    private final Fake nccl = new Fake("nccl", List.of(0, 1));

    @Test
    void aHigherRankedTransportWinsWhicheverIsBoundFirst() {
        RankedTransports lowFirst = new RankedTransports();
        lowFirst.add(inProcess, props(-100, 3L));
        lowFirst.add(nccl, props(0, 7L));
        assertSame(nccl, lowFirst.choose(null, 0, 1));

        RankedTransports highFirst = new RankedTransports();
        highFirst.add(nccl, props(0, 7L));
        highFirst.add(inProcess, props(-100, 3L));
        assertSame(nccl, highFirst.choose(null, 0, 1));
        assertEquals(List.of(nccl, inProcess), highFirst.inOrder());
    }

    @Test
    void aPairTheWinnerDoesNotSupportFallsToTheNextRanked() {
        RankedTransports t = new RankedTransports();
        t.add(nccl, props(0, 7L));
        t.add(inProcess, props(-100, 3L));
        assertSame(inProcess, t.choose(null, 2, 3));
    }

    @Test
    void equalRankingsGoToTheLowestServiceId() {
        Fake a = new Fake("a", List.of());
        Fake b = new Fake("b", List.of());
        RankedTransports t = new RankedTransports();
        t.add(b, props(5, 12L));
        t.add(a, props(5, 11L));
        assertEquals(List.of(a, b), t.inOrder());
        assertSame(a, t.choose(null, 0, 1));
    }

    @Test
    void aMissingOrNonIntegerRankingCountsAsZero() {
        Fake unranked = new Fake("unranked", List.of());
        Fake stringRanked = new Fake("string", List.of());
        Fake negative = new Fake("negative", List.of());
        RankedTransports t = new RankedTransports();
        t.add(negative, props(-1, 1L));
        Map<String, Object> asString = props(null, 3L);
        asString.put("service.ranking", "100");
        t.add(stringRanked, asString);
        t.add(unranked, props(null, 2L));
        assertEquals(List.of(unranked, stringRanked, negative), t.inOrder());
    }

    @Test
    void withoutServiceIdsTiesKeepTheBindingOrder() {
        Fake a = new Fake("a", List.of());
        Fake b = new Fake("b", List.of());
        RankedTransports t = new RankedTransports();
        t.add(a, Map.of());
        t.add(b, null);
        assertEquals(List.of(a, b), t.inOrder());
    }

    @Test
    void reRankingMovesATransportAndRemovingDropsIt() {
        RankedTransports t = new RankedTransports();
        t.add(nccl, props(0, 7L));
        t.add(inProcess, props(-100, 3L));
        t.add(inProcess, props(10, 3L)); // service properties modified
        assertEquals(List.of(inProcess, nccl), t.inOrder());
        t.remove(inProcess);
        assertEquals(List.of(nccl), t.inOrder());
        assertNull(t.choose(null, 5, 6));
        t.remove(nccl);
        assertEquals(List.of(), t.inOrder());
    }
}
