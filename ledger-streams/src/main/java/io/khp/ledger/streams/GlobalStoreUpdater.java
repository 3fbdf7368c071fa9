package io.khp.ledger.streams;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/** Keeps a global store equal to the latest value per key of its topic (tombstones delete), and tells of each change. */
public final class GlobalStoreUpdater<V> implements Processor<String, V, Void, Void> {

    /** Told of the store's content: all of it once restored, then each change (value null: deleted). */
    public interface Listener<V> {
        void changed(String key, V value);

        default void restoring() {
        }
    }

    private final String storeName;
    /** Run after each change, and once after restoring. */
    private final Runnable changed;
    private final Listener<V> listener;
    private KeyValueStore<String, V> store;

    GlobalStoreUpdater(String storeName, Runnable changed) {
        this(storeName, changed, (k, v) -> {
        });
    }

    GlobalStoreUpdater(String storeName, Runnable changed, Listener<V> listener) {
        this.storeName = storeName;
        this.changed = changed;
        this.listener = listener;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        store = context.getStateStore(storeName);
        listener.restoring();
        try (KeyValueIterator<String, V> all = store.all()) {
            all.forEachRemaining(kv -> listener.changed(kv.key, kv.value));
        }
        changed.run(); // restored before this
    }

    @Override
    public void process(Record<String, V> record) {
        if (record.key() == null) {
            return;
        }
        if (record.value() == null) {
            store.delete(record.key());
        } else {
            store.put(record.key(), record.value());
        }
        listener.changed(record.key(), record.value());
        changed.run();
    }
}
