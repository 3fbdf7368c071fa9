package io.khp.ledger.streams;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

import io.khp.bus.AvroRecordSerde;
import io.khp.state.HostState;

/**
 * The "hosts" store: each host's state, decoded in memory while it changes and written out
 * encoded (a memory store and its changelog) once per commit by {@link #writeChanged}. Decoding and
 * encoding a host state cost more than the rest of an event, and a host takes several events
 * between two commits. The states in memory are never modified (the fold copies what it
 * changes), so the API's threads read them while the stream thread works: reads see the latest
 * state, committed or not, as they would through a record cache.
 */
final class HostStateStore implements StateStore, ReadOnlyKeyValueStore<String, HostState> {

    private static final AvroRecordSerde<HostState> HOST = new AvroRecordSerde<>(HostState.class);

    /** How many host states a task keeps decoded beyond the changed ones (the least used go first). */
    static final int DECODED_HOSTS = 10_000;

    /** A host's latest state in memory, and whether it changed since the last write-out. */
    private static final class Slot {
        /** Read by the API's threads. */
        volatile HostState state;
        /** The stream thread's only, as the fields below. */
        boolean changed;
        /** Read since the last eviction sweep: kept by the next one. */
        boolean used;

        Slot(HostState state) {
            this.state = state;
        }
    }

    private final KeyValueStore<String, byte[]> encoded;
    private final HostStateWatch watch;
    /** The hosts in memory: every changed one, and up to {@link #DECODED_HOSTS} written-out ones. */
    private final Map<String, Slot> slots = new ConcurrentHashMap<>();
    /** The changed hosts, in the order of their first change since the last write-out. */
    private final List<String> changedIds = new ArrayList<>();
    private final List<Slot> changedSlots = new ArrayList<>();
    /** The slot current() found last: update() of the same host needs no second lookup. */
    private String lastId;
    private Slot lastSlot;

    private HostStateStore(KeyValueStore<String, byte[]> encoded, HostStateWatch watch) {
        this.encoded = encoded;
        this.watch = watch;
    }

    /**
     * A logged store: the encoded states in memory, restored from the changelog when a task starts
     * (a fleet's states are small; a RocksDB write and its compactions cost more than the rest of
     * a host's write-out).
     */
    static StoreBuilder<HostStateStore> builder(String name, HostStateWatch watch) {
        return new Builder(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(), Serdes.ByteArray())
                .withCachingDisabled(), watch);
    }

    /** The host's state as the stream thread folds it (null for an unknown host). */
    HostState current(String hostId) {
        Slot slot = slots.get(hostId);
        if (slot == null) {
            byte[] stored = encoded.get(hostId);
            if (stored == null) {
                return null;
            }
            slot = new Slot(HOST.decode(stored));
            slots.put(hostId, slot);
        }
        if (!slot.used) {
            slot.used = true;
        }
        lastId = hostId;
        lastSlot = slot;
        return slot.state;
    }

    /** The host's new state; it must not be modified afterwards. */
    void update(String hostId, HostState state) {
        Slot slot = hostId.equals(lastId) ? lastSlot : slots.get(hostId);
        if (slot == null) {
            slot = new Slot(state);
            slots.put(hostId, slot);
        } else {
            slot.state = state;
        }
        if (!slot.changed) {
            slot.changed = true;
            changedIds.add(hostId);
            changedSlots.add(slot);
        }
        watch.changed(hostId);
    }

    /** Writes every state changed since the last call, and hands each, encoded, to {@code written}. */
    void writeChanged(BiConsumer<String, byte[]> written) {
        for (int i = 0; i < changedIds.size(); i++) {
            Slot slot = changedSlots.get(i);
            byte[] bytes = HOST.encode(slot.state);
            encoded.put(changedIds.get(i), bytes);
            slot.changed = false;
            written.accept(changedIds.get(i), bytes);
        }
        changedIds.clear();
        changedSlots.clear();
        evictBeyondLimit();
    }

    /**
     * Drops written-out states beyond {@link #DECODED_HOSTS}: those not read since the last sweep
     * first (a second chance for the others), as few as needed.
     */
    private void evictBeyondLimit() {
        int excess = slots.size() - DECODED_HOSTS;
        for (int pass = 0; pass < 2 && excess > 0; pass++) {
            Iterator<Map.Entry<String, Slot>> it = slots.entrySet().iterator();
            while (it.hasNext() && excess > 0) {
                Slot slot = it.next().getValue();
                if (slot.changed) {
                    continue;
                }
                if (slot.used) {
                    slot.used = false;
                } else {
                    it.remove();
                    excess--;
                }
            }
        }
        lastId = null;
        lastSlot = null;
    }

    @Override
    public HostState get(String hostId) {
        Slot slot = slots.get(hostId);
        if (slot != null) {
            return slot.state;
        }
        byte[] stored = encoded.get(hostId);
        return stored == null ? null : HOST.decode(stored);
    }

    @Override
    public KeyValueIterator<String, HostState> range(String from, String to) {
        NavigableMap<String, HostState> view = snapshot();
        if (from != null && to != null) {
            return iterator(view.subMap(from, true, to, true));
        }
        if (from != null) {
            return iterator(view.tailMap(from, true));
        }
        return iterator(to != null ? view.headMap(to, true) : view);
    }

    @Override
    public KeyValueIterator<String, HostState> all() {
        return iterator(snapshot());
    }

    @Override
    public long approximateNumEntries() {
        return encoded.approximateNumEntries() + changedIds.size();
    }

    /** Every host, the changed ones as they are now (for the rare listing through this store). */
    private NavigableMap<String, HostState> snapshot() {
        NavigableMap<String, HostState> view = new TreeMap<>();
        Map<String, HostState> overlay = new HashMap<>();
        slots.forEach((id, slot) -> overlay.put(id, slot.state));
        try (KeyValueIterator<String, byte[]> all = encoded.all()) {
            all.forEachRemaining(kv -> view.put(kv.key, HOST.decode(kv.value)));
        }
        view.putAll(overlay);
        return view;
    }

    private static KeyValueIterator<String, HostState> iterator(Map<String, HostState> entries) {
        Iterator<Map.Entry<String, HostState>> it = entries.entrySet().iterator();
        return new KeyValueIterator<>() {
            private Map.Entry<String, HostState> peeked;

            @Override
            public boolean hasNext() {
                return peeked != null || it.hasNext();
            }

            @Override
            public KeyValue<String, HostState> next() {
                Map.Entry<String, HostState> e = peeked != null ? peeked : it.next();
                peeked = null;
                return KeyValue.pair(e.getKey(), e.getValue());
            }

            @Override
            public String peekNextKey() {
                if (peeked == null) {
                    peeked = it.next();
                }
                return peeked.getKey();
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public String name() {
        return encoded.name();
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        forget();
        encoded.init(context, root);
    }

    @Override
    public void flush() {
        encoded.flush();
    }

    /** Closing drops what was not written out: after a crash or an abort the task reprocesses it. */
    @Override
    public void close() {
        forget();
        encoded.close();
    }

    private void forget() {
        slots.clear();
        changedIds.clear();
        changedSlots.clear();
        lastId = null;
        lastSlot = null;
    }

    @Override
    public boolean persistent() {
        return encoded.persistent();
    }

    @Override
    public boolean isOpen() {
        return encoded.isOpen();
    }

    private static final class Builder implements StoreBuilder<HostStateStore> {
        private final StoreBuilder<KeyValueStore<String, byte[]>> encoded;
        private final HostStateWatch watch;

        Builder(StoreBuilder<KeyValueStore<String, byte[]>> encoded, HostStateWatch watch) {
            this.encoded = encoded;
            this.watch = watch;
        }

        @Override
        public StoreBuilder<HostStateStore> withCachingEnabled() {
            return this; // the states in memory are the cache
        }

        @Override
        public StoreBuilder<HostStateStore> withCachingDisabled() {
            return this;
        }

        @Override
        public StoreBuilder<HostStateStore> withLoggingEnabled(Map<String, String> config) {
            encoded.withLoggingEnabled(config);
            return this;
        }

        @Override
        public StoreBuilder<HostStateStore> withLoggingDisabled() {
            encoded.withLoggingDisabled();
            return this;
        }

        @Override
        public HostStateStore build() {
            return new HostStateStore(encoded.build(), watch);
        }

        @Override
        public Map<String, String> logConfig() {
            return encoded.logConfig();
        }

        @Override
        public boolean loggingEnabled() {
            return encoded.loggingEnabled();
        }

        @Override
        public String name() {
            return encoded.name();
        }
    }
}
