package io.turboserve.api.serving;

import io.turboserve.api.Chunk;
import java.time.Duration;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The reader side of a session's chunks. A session has at most one open stream; reading a chunk
 * frees its place in the session's buffer (at most 4 chunks ahead of the client).
 */
@ProviderType
public interface ChunkStream extends AutoCloseable {
    /**
     * @return the next chunk, or {@code null} when none arrived within {@code timeout} or the stream
     *         has ended (see {@link #ended()})
     */
    Chunk next(Duration timeout) throws InterruptedException;

    /**
     * Gives back a chunk that {@link #next} returned but that could not be handed to the client
     * (the connection broke while writing it): it becomes the next chunk the session's next reader
     * gets, so a client that reconnects loses nothing.
     */
    void unread(Chunk chunk);

    /**
     * Puts back, ahead of the chunks waiting, those after {@code lastReceived} that earlier
     * readers took: a client whose connection dropped resumes from the last chunk it received and
     * gets again the ones that were sent but lost with the connection. A session keeps the last
     * few chunks taken for this; older ones are gone (the client is told of a gap).
     *
     * @param lastReceived the index of the last chunk the client received
     * @return how many chunks were put back
     * @since 1.1
     */
    default int rewind(long lastReceived) {
        return 0;
    }

    /** @return whether no more chunks will come (the session was closed or lost). */
    boolean ended();

    /** @return why the stream ended, or empty while it has not. */
    String endReason();

    /** Detaches the reader; the session keeps its buffered chunks for the next reader. */
    @Override
    void close();
}
