package io.khp.verifier;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.khp.events.CapturedFunction;
import io.khp.events.PreRunVerified;
import io.khp.events.RunObjectCaptured;
import io.khp.events.SymbolCandidates;

/**
 * Verdicts of (manifest, capture) pairs already matched: hosts booted from the same kernel at the same
 * layout send identical captures, and the verdict depends on nothing else. Bounded, least recently
 * used first out. Written by the service's worker thread only; the counters may be read from anywhere.
 */
public final class VerdictCache {

    private final int capacity;
    private final Map<String, PreRunVerified> verdicts;
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();

    public VerdictCache(int capacity) {
        this.capacity = capacity;
        this.verdicts = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, PreRunVerified> eldest) {
                return size() > VerdictCache.this.capacity;
            }
        };
    }

    /** The key of a pair: the manifest's sha256 and a sha256 of everything the capture says (not its attempt number). */
    public static String key(String manifestSha256, RunObjectCaptured capture) {
        MessageDigest d = sha256();
        update(d, manifestSha256);
        update(d, capture.getCaptureError());
        for (CapturedFunction f : capture.getFunctions()) {
            update(d, f.getObjectName());
            update(d, f.getSymbol());
            update(d, f.getSympos() == null ? "-" : f.getSympos().toString());
            update(d, f.getFound() ? "found" : "missing");
            update(d, f.getAddress() == null ? "-" : Long.toHexString(f.getAddress()));
            ByteBuffer b = f.getBytes().duplicate();
            update(d, Integer.toString(b.remaining()));
            d.update(b);
        }
        for (SymbolCandidates s : capture.getSymbols()) {
            update(d, s.getSymbol());
            for (Long a : s.getAddresses()) {
                update(d, Long.toHexString(a));
            }
            update(d, ";");
        }
        return HexFormat.of().formatHex(d.digest());
    }

    public PreRunVerified get(String key) {
        PreRunVerified v = verdicts.get(key);
        if (v == null) {
            misses.incrementAndGet();
        } else {
            hits.incrementAndGet();
        }
        return v;
    }

    public void put(String key, PreRunVerified verdict) {
        verdicts.put(key, verdict);
    }

    public long hits() {
        return hits.get();
    }

    public long misses() {
        return misses.get();
    }

    private static void update(MessageDigest d, String s) {
        byte[] b = (s == null ? "\u0000null" : s).getBytes(StandardCharsets.UTF_8);
        d.update((byte) (b.length >>> 24));
        d.update((byte) (b.length >>> 16));
        d.update((byte) (b.length >>> 8));
        d.update((byte) b.length);
        d.update(b);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
