package io.khp.builder.core;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * Offsets of records handled concurrently and finished in any order: per partition, what may be
 * committed without skipping an unfinished record (pure; one thread uses it).
 */
public final class CommitFrontier<P> {

    private final Map<P, TreeSet<Long>> open = new HashMap<>();
    private final Map<P, Long> next = new HashMap<>();
    private final Map<P, Long> committed = new HashMap<>();

    public void started(P partition, long offset) {
        open.computeIfAbsent(partition, p -> new TreeSet<>()).add(offset);
        next.merge(partition, offset + 1, Math::max);
    }

    public void finished(P partition, long offset) {
        TreeSet<Long> offsets = open.get(partition);
        if (offsets != null) {
            offsets.remove(offset);
        }
    }

    public int unfinished() {
        return open.values().stream().mapToInt(TreeSet::size).sum();
    }

    /**
     * Per partition whose commit position moved since the last call: the oldest unfinished record,
     * or the one after the last started when all are finished.
     */
    public Map<P, Long> toCommit() {
        Map<P, Long> moved = new HashMap<>();
        next.forEach((partition, after) -> {
            TreeSet<Long> offsets = open.get(partition);
            long position = offsets == null || offsets.isEmpty() ? after : offsets.first();
            Long before = committed.get(partition);
            if (before == null || position > before) {
                moved.put(partition, position);
                committed.put(partition, position);
            }
        });
        return moved;
    }

    /** Partitions this consumer no longer owns: their records are another consumer's now. */
    public void forget(Collection<P> partitions) {
        partitions.forEach(p -> {
            open.remove(p);
            next.remove(p);
            committed.remove(p);
        });
    }
}
