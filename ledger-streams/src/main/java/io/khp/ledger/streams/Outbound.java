package io.khp.ledger.streams;

/**
 * A record the ledger sends out: its encoded value and the topic it goes to. A null topic marks a
 * host patch change on its way to patch-keyed processing (the internal repartition topic).
 */
record Outbound(String topic, byte[] value) {

    static Outbound change(byte[] value) {
        return new Outbound(null, value);
    }

    boolean isChange() {
        return topic == null;
    }
}
