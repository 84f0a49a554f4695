package io.turboserve.core.runtime;

import io.turboserve.api.Chunk;
import io.turboserve.api.serving.ChunkStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * A session's outbound queue: delivered chunks wait here for the client. The controller bounds it
 * (a full buffer pauses generation); reading a chunk tells the controller through
 * {@code onConsumed}.
 */
final class Outbox {
    private final String sessionId;
    private final Consumer<String> onConsumed;
    private final Consumer<String> onReturned;
    private final ArrayDeque<Chunk> chunks = new ArrayDeque<>();
    /**
     * The last chunks readers took, oldest first: sent to a client, but possibly lost with its
     * connection, so that a client resuming from the last one it received gets them again.
     */
    private final ArrayDeque<Chunk> taken = new ArrayDeque<>();
    /** How many taken chunks are kept for a resuming client. */
    static final int KEPT_FOR_RESUME = 8;
    private String endReason;
    private boolean readerOpen;

    Outbox(String sessionId, Consumer<String> onConsumed, Consumer<String> onReturned) {
        this.sessionId = sessionId;
        this.onConsumed = onConsumed;
        this.onReturned = onReturned;
    }

    synchronized void add(Chunk chunk) {
        chunks.addLast(chunk);
        notifyAll();
    }

    synchronized void end(String reason) {
        if (endReason == null) {
            endReason = reason;
        }
        notifyAll();
    }

    /** @return a reader, or null when one is open already. */
    synchronized ChunkStream open() {
        if (readerOpen) {
            return null;
        }
        readerOpen = true;
        return new Reader();
    }

    private final class Reader implements ChunkStream {
        private boolean closed;

        @Override
        public Chunk next(Duration timeout) throws InterruptedException {
            Chunk c;
            synchronized (Outbox.this) {
                long deadline = System.nanoTime() + timeout.toNanos();
                while (!closed && chunks.isEmpty() && endReason == null) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return null;
                    }
                    Outbox.this.wait(Math.max(1, left / 1_000_000), 0);
                }
                if (closed || chunks.isEmpty()) {
                    return null;
                }
                c = chunks.removeFirst();
                taken.addLast(c);
                if (taken.size() > KEPT_FOR_RESUME) {
                    taken.removeFirst();
                }
            }
            onConsumed.accept(sessionId);
            return c;
        }

        @Override
        public void unread(Chunk chunk) {
            synchronized (Outbox.this) {
                taken.remove(chunk);
                chunks.addFirst(chunk);
                Outbox.this.notifyAll();
            }
            onReturned.accept(sessionId);
        }

        @Override
        public int rewind(long lastReceived) {
            int back = 0;
            synchronized (Outbox.this) {
                // Newest first onto the front of the queue, so that they come out in order.
                while (!taken.isEmpty() && taken.peekLast().index() > lastReceived) {
                    chunks.addFirst(taken.removeLast());
                    back++;
                }
                if (back > 0) {
                    Outbox.this.notifyAll();
                }
            }
            for (int i = 0; i < back; i++) {
                onReturned.accept(sessionId); // they wait in the session's buffer again
            }
            return back;
        }

        @Override
        public boolean ended() {
            synchronized (Outbox.this) {
                return endReason != null && chunks.isEmpty();
            }
        }

        @Override
        public String endReason() {
            synchronized (Outbox.this) {
                return endReason == null ? "" : endReason;
            }
        }

        @Override
        public void close() {
            synchronized (Outbox.this) {
                if (!closed) {
                    closed = true;
                    readerOpen = false;
                    Outbox.this.notifyAll();
                }
            }
        }
    }
}
