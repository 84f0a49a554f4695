package io.turboserve.core.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file through which a stopping runtime tells the next one which sessions it ended. */
class EndedSessionsFileTest {
    @TempDir
    Path dir;

    @Test
    void whatOneRuntimeWritesTheNextReadsBackInOrderWithReasonsKeptOnOneLine() {
        File f = dir.resolve(ServingRuntime.ENDED_FILE).toFile();
        Map<String, String> ended = new LinkedHashMap<>();
        ended.put("s-1-abc", "ended: the serving runtime stopped");
        ended.put("s-2-def", "state lost: a\treason\nover lines");
        ServingRuntime.writeEnded(f, ended);
        Map<String, String> read = ServingRuntime.readEnded(f);
        assertEquals(java.util.List.of("s-1-abc", "s-2-def"), java.util.List.copyOf(read.keySet()));
        assertEquals("ended: the serving runtime stopped", read.get("s-1-abc"));
        assertEquals("state lost: a reason over lines", read.get("s-2-def"));
    }

    @Test
    void noFileOrABrokenOneIsNothingRemembered() throws Exception {
        assertTrue(ServingRuntime.readEnded(null).isEmpty());
        assertTrue(ServingRuntime.readEnded(dir.resolve("missing").toFile()).isEmpty());
        Path junk = dir.resolve("junk");
        Files.writeString(junk, "no tab here\n\tno id\n");
        assertTrue(ServingRuntime.readEnded(junk.toFile()).isEmpty());
        ServingRuntime.writeEnded(null, Map.of("s", "x")); // nowhere to write: nothing happens
    }
}
