package io.khp.bus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

import io.khp.events.KhpEvent;

class EventCodecTest {

    private final EventCodec codec = EventCodec.instance();

    @Test
    void samplesCoverEveryPayloadType() {
        Set<String> inUnion = KhpEvent.getClassSchema().getField("payload").schema().getTypes().stream()
                .map(Schema::getName).collect(Collectors.toSet());
        Set<String> sampled = SampleEvents.payloads().stream().map(p -> p.getClass().getSimpleName()).collect(Collectors.toSet());
        assertEquals(inUnion, sampled);
    }

    @Test
    void everyPayloadTypeRoundTrips() {
        for (Object payload : SampleEvents.payloads()) {
            KhpEvent event = SampleEvents.envelope(payload);
            byte[] bytes = codec.encode(event);
            assertEquals((byte) 0xC3, bytes[0], "single-object marker");
            assertEquals((byte) 0x01, bytes[1], "single-object marker");
            assertEquals(event, codec.decode(bytes), payload.getClass().getSimpleName());
        }
    }

    @Test
    void headerCarriesTheCurrentSchemaFingerprint() {
        byte[] bytes = codec.encode(SampleEvents.envelope(SampleEvents.payloads().get(0)));
        long fingerprint = 0;
        for (int i = 9; i >= 2; i--) {
            fingerprint = (fingerprint << 8) | (bytes[i] & 0xff);
        }
        assertEquals(SchemaHistory.fingerprint(SchemaHistory.current()), fingerprint);
    }

    @Test
    void emptyAndShortValuesAreTruncatedHeaders() {
        assertEquals("truncated header (0 bytes)", assertThrows(UndecodableEventException.class, () -> codec.decode(new byte[0])).reason());
        assertEquals("truncated header (3 bytes)", assertThrows(UndecodableEventException.class,
                () -> codec.decode(new byte[] {(byte) 0xC3, 1, 2})).reason());
        assertEquals("null value", assertThrows(UndecodableEventException.class, () -> codec.decode(null)).reason());
    }

    @Test
    void randomBytesAreNotSingleObjectEncoded() {
        byte[] junk = new byte[200];
        new Random(7).nextBytes(junk);
        junk[0] = 0x12;
        assertEquals("not single-object encoded (bad header)",
                assertThrows(UndecodableEventException.class, () -> codec.decode(junk)).reason());
    }

    @Test
    void unknownFingerprintIsNamed() {
        byte[] bytes = codec.encode(SampleEvents.envelope(SampleEvents.payloads().get(0)));
        bytes[5] ^= 0x5a;
        assertEquals("unknown schema fingerprint", assertThrows(UndecodableEventException.class, () -> codec.decode(bytes)).reason());
    }

    @Test
    void truncatedBodyIsRefused() {
        byte[] bytes = codec.encode(SampleEvents.envelope(SampleEvents.payloads().get(2)));
        byte[] cut = Arrays.copyOf(bytes, bytes.length / 2);
        UndecodableEventException e = assertThrows(UndecodableEventException.class, () -> codec.decode(cut));
        assertTrue(e.reason().contains("corrupt") || e.reason().contains("truncated"), e.reason());
    }

    @Test
    void garbageBodyBehindAValidHeaderIsRefusedWithoutHugeAllocations() {
        byte[] header = Arrays.copyOf(codec.encode(SampleEvents.envelope(SampleEvents.payloads().get(0))), 10);
        Random random = new Random(11);
        for (int i = 0; i < 200; i++) {
            byte[] body = new byte[1 + random.nextInt(64)];
            random.nextBytes(body);
            byte[] bytes = new byte[10 + body.length];
            System.arraycopy(header, 0, bytes, 0, 10);
            System.arraycopy(body, 0, bytes, 10, body.length);
            try {
                KhpEvent decoded = codec.decode(bytes);
                // a few random bodies happen to be valid Avro: then they must re-encode to a readable event
                assertEquals(decoded, codec.decode(codec.encode(decoded)));
            } catch (UndecodableEventException expected) {
                assertTrue(expected.reason().contains("corrupt") || expected.reason().contains("truncated")
                        || expected.reason().contains("payload"), expected.reason());
            }
        }
    }

    @Test
    void encodingIsStableForEqualEvents() {
        KhpEvent event = SampleEvents.envelope(SampleEvents.payloads().get(4));
        assertArrayEquals(codec.encode(event), codec.encode(KhpEvent.newBuilder(event).build()));
    }
}
