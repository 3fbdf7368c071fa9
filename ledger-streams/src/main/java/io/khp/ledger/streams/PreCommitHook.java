package io.khp.ledger.streams;

import java.util.Map;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorNode;
import org.apache.kafka.streams.processor.internals.ProcessorRecordContext;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.CachedStateStore;
import org.apache.kafka.streams.state.internals.CacheFlushListener;

/**
 * A store that holds nothing: it runs its processor's callback right before each commit of its
 * task, inside the transaction being committed. A processor can then keep what changes on every
 * record in memory (decoded host states, summed host counts) and write it out, and forward what
 * it implies, once per commit instead of once per record, without losing exactly-once: what the
 * callback writes and forwards commits with the input offsets that produced it, and an aborted
 * transaction drops the memory with the task's state.
 *
 * <p>Kafka Streams has no public pre-commit callback. Its record caches get one: before a commit
 * it flushes every store that implements the internal {@link CachedStateStore}, which is what this
 * store does (see ProcessorStateManager#flushCache). Forwarding from there needs the processor's
 * node set as the context's current node, as Streams' own cache flush listener does.
 */
final class PreCommitHook implements StateStore, CachedStateStore<Void, Void> {

    /** The work to do before a commit; it may forward records through the context it was given. */
    interface Callback {
        void beforeCommit(long wallClockMs);
    }

    private final String name;
    private boolean open;
    private InternalProcessorContext<?, ?> context;
    private ProcessorNode<?, ?, ?, ?> node;
    private Callback callback;

    private PreCommitHook(String name) {
        this.name = name;
    }

    static StoreBuilder<PreCommitHook> builder(String name) {
        return new Builder(name);
    }

    /** Called from the processor's init: the callback runs as that processor before each commit. */
    void register(ProcessorContext<?, ?> processorContext, Callback callback) {
        this.context = (InternalProcessorContext<?, ?>) processorContext;
        this.node = context.currentNode();
        this.callback = callback;
    }

    @Override
    public void flushCache() {
        if (callback == null) {
            return; // a standby task, or a task whose processor is not initialised yet
        }
        ProcessorNode<?, ?, ?, ?> previousNode = context.currentNode();
        ProcessorRecordContext previousRecord = context.recordContext();
        long now = context.currentSystemTimeMs();
        context.setCurrentNode(node);
        context.setRecordContext(new ProcessorRecordContext(now, -1, -1, null, new RecordHeaders()));
        try {
            callback.beforeCommit(now);
        } finally {
            context.setRecordContext(previousRecord);
            context.setCurrentNode(previousNode);
        }
    }

    @Override
    public void clearCache() {
        // nothing kept here: the processor's memory is dropped with its task on an abort
    }

    @Override
    public boolean setFlushListener(CacheFlushListener<Void, Void> listener, boolean sendOldValues) {
        return false;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void init(StateStoreContext stateStoreContext, StateStore root) {
        stateStoreContext.register(root, (key, value) -> {
        });
        open = true;
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        open = false;
        callback = null;
    }

    @Override
    public boolean persistent() {
        return false;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    private static final class Builder implements StoreBuilder<PreCommitHook> {
        private final String name;

        Builder(String name) {
            this.name = name;
        }

        @Override
        public StoreBuilder<PreCommitHook> withCachingEnabled() {
            return this;
        }

        @Override
        public StoreBuilder<PreCommitHook> withCachingDisabled() {
            return this;
        }

        @Override
        public StoreBuilder<PreCommitHook> withLoggingEnabled(Map<String, String> config) {
            return this;
        }

        @Override
        public StoreBuilder<PreCommitHook> withLoggingDisabled() {
            return this;
        }

        @Override
        public PreCommitHook build() {
            return new PreCommitHook(name);
        }

        @Override
        public Map<String, String> logConfig() {
            return Map.of();
        }

        @Override
        public boolean loggingEnabled() {
            return false;
        }

        @Override
        public String name() {
            return name;
        }
    }
}
