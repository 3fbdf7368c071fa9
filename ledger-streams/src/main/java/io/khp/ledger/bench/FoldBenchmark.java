package io.khp.ledger.bench;

import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.khp.bus.AvroRecordSerde;
import io.khp.bus.EventCodec;
import io.khp.events.KhpEvent;
import io.khp.ledger.core.HostInbox;
import io.khp.ledger.core.PatchCatalog;
import io.khp.state.HostState;

/**
 * `khp bench ledger-fold`: the ledger's own work per event, in one thread and without a broker or
 * Kafka Streams: decoding the record, folding it into its host ({@link HostInbox#receive}) and
 * encoding each changed host once per write-out, for the lifecycle events of `khp bench ledger`.
 * Run for a small fleet (every host state stays in the CPU's caches) and a large one (taken
 * round-robin, as the ledger benchmark replays them): the difference is what reaching a host's
 * state in memory costs. With no broker and no other threads it has fewer moving parts than the
 * end-to-end benchmark, for comparing changes to the fold (on a shared machine, still within a run).
 * Every event is legal: a refused one (printed) would time the refusal instead of the fold.
 * Args: [events] [small fleet] [large fleet] [rounds].
 */
public final class FoldBenchmark {

    private static final EventCodec CODEC = EventCodec.instance();
    private static final AvroRecordSerde<HostState> HOST = new AvroRecordSerde<>(HostState.class);
    /** Events between two write-outs: about what one task of `khp bench ledger` folds between two backlog commits. */
    private static final int WRITE_OUT_EVERY = 100_000;

    private record Figures(double decodeNs, double foldNs, double encodeNsPerState, double encodeNsPerEvent, long allocatedBytesPerEvent,
            long refused) {
    }

    public static void main(String[] args) {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int small = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int large = args.length > 2 ? Integer.parseInt(args[2]) : 10_000;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 6;
        if (events < 1 || small < 1 || large < 1 || rounds < 2) {
            throw new IllegalArgumentException("events and fleets must be at least 1, rounds at least 2 (the first only warms up)");
        }
        System.out.printf(Locale.ROOT, "ledger fold benchmark: %,d events, fleets of %,d and %,d hosts, best of %d rounds after one to warm up%n",
                events, small, large, rounds - 1);
        Figures s = run(events, small, rounds);
        Figures l = run(events, large, rounds);
        for (var f : List.of(Map.entry(small, s), Map.entry(large, l))) {
            Figures x = f.getValue();
            System.out.printf(Locale.ROOT, "%,7d hosts: decode %4.0f ns/event, fold %5.0f ns/event, write-out %5.0f ns/state (%4.0f ns/event), %,d bytes allocated/event, %,d refused%n",
                    f.getKey(), x.decodeNs(), x.foldNs(), x.encodeNsPerState(), x.encodeNsPerEvent(), x.allocatedBytesPerEvent(), x.refused());
        }
        System.out.printf(Locale.ROOT, "fold ns/event %.0f%n", l.foldNs());
        System.out.printf(Locale.ROOT, "fold large/small %.2f%n", l.foldNs() / s.foldNs());
    }

    /** The best round's figures (the least disturbed by the machine), after a first round to compile the code. */
    private static Figures run(int events, int hosts, int rounds) {
        List<byte[]> records = new ArrayList<>(events);
        LifecycleGenerator.inReplayOrder(0, hosts, events, Instant.now(), e -> records.add(CODEC.encode(e)));
        Figures best = null;
        for (int round = 0; round < rounds; round++) {
            Figures f = round(records);
            if (round > 0 && (best == null || f.foldNs() + f.decodeNs() < best.foldNs() + best.decodeNs())) {
                best = f;
            }
        }
        return best;
    }

    private static Figures round(List<byte[]> records) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().getId();
        Map<String, HostState> states = new HashMap<>();
        Set<String> changed = new LinkedHashSet<>();
        long decodeNs = 0;
        long foldNs = 0;
        long encodeNs = 0;
        long written = 0;
        long refused = 0;
        long allocatedBefore = threads.getThreadAllocatedBytes(self);
        for (int i = 0; i < records.size(); i++) {
            long t0 = System.nanoTime();
            KhpEvent event = CODEC.decode(records.get(i));
            long t1 = System.nanoTime();
            HostInbox.Outcome outcome = HostInbox.receive(states.get(event.getHostId()), List.of(), event, PatchCatalog.EMPTY, 0);
            refused += outcome.refusals().size();
            if (outcome.changed()) {
                states.put(event.getHostId(), outcome.state());
                changed.add(event.getHostId());
            }
            long t2 = System.nanoTime();
            decodeNs += t1 - t0;
            foldNs += t2 - t1;
            if (i % WRITE_OUT_EVERY == WRITE_OUT_EVERY - 1 || i == records.size() - 1) {
                for (String host : changed) {
                    HOST.encode(states.get(host));
                }
                written += changed.size();
                changed.clear();
                encodeNs += System.nanoTime() - t2;
            }
        }
        long allocated = threads.getThreadAllocatedBytes(self) - allocatedBefore;
        int n = records.size();
        return new Figures(decodeNs / (double) n, foldNs / (double) n, encodeNs / (double) Math.max(1, written),
                encodeNs / (double) n, allocated / n, refused);
    }
}
