package io.khp.ledger.streams;

import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.khp.bus.DeadLetters;

/**
 * Undecodable input records go to khp.dead-letters (inside the Streams transaction) with the same
 * headers as every other khp consumer writes, and processing goes on.
 */
public final class DeadLetterHandler implements DeserializationExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterHandler.class);
    static final String CONSUMER = "ledger-streams";

    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        LOG.warn("dead-lettering {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), exception.getMessage());
        return Response.resume(List.of(DeadLetters.letterFor(record, exception, CONSUMER)));
    }

    @Override
    public void configure(Map<String, ?> configs) {
    }
}
