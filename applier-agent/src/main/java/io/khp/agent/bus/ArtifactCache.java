package io.khp.agent.bus;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The module bytes used last, by sha256: at most {@code maxEntries} artifacts and {@code maxBytes}
 * bytes in all (the least recently used go first), so that an agent reading a long artifacts topic
 * never holds every module ever built. Thread-safe.
 */
public final class ArtifactCache {

    private final int maxEntries;
    private final long maxBytes;
    private final LinkedHashMap<String, byte[]> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;

    public ArtifactCache(int maxEntries, long maxBytes) {
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
    }

    public synchronized byte[] get(String sha256) {
        return entries.get(sha256);
    }

    public synchronized void put(String sha256, byte[] module) {
        byte[] old = entries.put(sha256, module);
        bytes += module.length - (old == null ? 0 : old.length);
        Iterator<Map.Entry<String, byte[]>> eldest = entries.entrySet().iterator();
        while ((entries.size() > maxEntries || bytes > maxBytes) && entries.size() > 1 && eldest.hasNext()) {
            Map.Entry<String, byte[]> e = eldest.next();
            if (e.getKey().equals(sha256)) {
                continue;
            }
            bytes -= e.getValue().length;
            eldest.remove();
        }
    }

    public synchronized int size() {
        return entries.size();
    }

    public synchronized long bytes() {
        return bytes;
    }
}
