package io.turboserve.core.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.turboserve.api.Chunk;
import io.turboserve.api.ChunkTimings;
import io.turboserve.api.serving.ChunkStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutboxTest {
    private final List<String> consumed = new ArrayList<>();
    private final List<String> returned = new ArrayList<>();
    private final Outbox box = new Outbox("s", consumed::add, returned::add);

    private static Chunk chunk(long i) {
        byte[] payload = {(byte) i};
        return new Chunk("s", i, payload, Chunk.crc32cOf(payload), new ChunkTimings(0, 0, 1, 1));
    }

    private static List<Long> read(ChunkStream s, int n) throws InterruptedException {
        List<Long> got = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            got.add(s.next(Duration.ofMillis(10)).index());
        }
        return got;
    }

    @Test
    void aResumingReaderGetsAgainTheChunksTakenAfterItsLastOneInOrder() throws Exception {
        for (int i = 0; i < 6; i++) {
            box.add(chunk(i));
        }
        ChunkStream first = box.open();
        assertEquals(List.of(0L, 1L, 2L, 3L), read(first, 4));
        first.close(); // 2 and 3 were sent, but the client's last chunk was 1
        ChunkStream second = box.open();
        assertEquals(2, second.rewind(1));
        assertEquals(List.of("s", "s"), returned, "back in the session's buffer");
        assertEquals(List.of(2L, 3L, 4L, 5L), read(second, 4));
        assertNull(second.next(Duration.ofMillis(1)));
        assertEquals(0, second.rewind(5), "nothing after the last one");
    }

    @Test
    void onlyTheLastFewTakenAreKept() throws Exception {
        for (int i = 0; i < 20; i++) {
            box.add(chunk(i));
        }
        ChunkStream first = box.open();
        read(first, 20);
        first.close();
        ChunkStream second = box.open();
        assertEquals(Outbox.KEPT_FOR_RESUME, second.rewind(3), "the gateway reports the rest as a gap");
        assertEquals(20 - Outbox.KEPT_FOR_RESUME, second.next(Duration.ofMillis(10)).index());
    }

    @Test
    void aChunkGivenBackIsNotKeptTwice() throws Exception {
        box.add(chunk(0));
        ChunkStream first = box.open();
        Chunk c = first.next(Duration.ofMillis(10));
        first.unread(c);
        first.close();
        ChunkStream second = box.open();
        assertEquals(0, second.rewind(-1), "it waits in the queue already");
        assertEquals(0, second.next(Duration.ofMillis(10)).index());
        assertNull(second.next(Duration.ofMillis(1)));
    }
}
