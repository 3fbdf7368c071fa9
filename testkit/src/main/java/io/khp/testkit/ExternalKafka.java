package io.khp.testkit;

/** A cluster somebody else runs (KHP_TEST_KAFKA=bootstrap:HOST:PORT); it is left as it was found. */
record ExternalKafka(String bootstrapServers) implements TestKafka {
}
