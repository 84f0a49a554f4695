package io.turboserve.offload.arrow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FreeListTest {

    @Test
    void takesTheFirstRangeThatFits() {
        FreeList list = new FreeList(1000);
        assertEquals(0, list.take(100));
        assertEquals(100, list.take(200));
        assertEquals(300, list.take(100));
        list.give(0, 100); // hole of 100 at 0
        list.give(300, 100); // merges with the tail: [300, 1000)
        assertEquals(300, list.take(150)); // too big for the hole at 0, first fit is the tail
        assertEquals(0, list.take(100)); // the hole fits exactly
        assertEquals(1000 - 200 - 150 - 100, list.freeBytes());
    }

    @Test
    void freedNeighboursCoalesceIntoOneRange() {
        FreeList list = new FreeList(300);
        long a = list.take(100);
        long b = list.take(100);
        long c = list.take(100);
        assertEquals(-1, list.take(1));
        list.give(a, 100);
        list.give(c, 100);
        assertEquals(2, list.rangeCount());
        list.give(b, 100); // joins both neighbours
        assertEquals(1, list.rangeCount());
        assertTrue(list.isEmpty());
        assertEquals(300, list.largestRange());
    }

    @Test
    void refusesToGiveBackFreeOrForeignRanges() {
        FreeList list = new FreeList(256);
        long a = list.take(64);
        list.give(a, 64);
        assertThrows(IllegalStateException.class, () -> list.give(a, 64));
        assertThrows(IllegalStateException.class, () -> list.give(200, 100));
        list.take(128);
        assertThrows(IllegalStateException.class, () -> list.give(64, 128)); // overlaps the free tail
    }
}
