package io.khp.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

import io.khp.events.HostReported;
import io.khp.events.KhpEvent;

/** Every released schema version and the current one read each other's data, both ways. */
class SchemaCompatibilityTest {

    private final SchemaHistory history = SchemaHistory.load();

    @Test
    void theCurrentSchemaIsReleased() {
        assertTrue(history.currentIsReleased(),
                "khp-events.avdl changed without a release: run SchemaRelease (see the README) and commit the new version");
    }

    @Test
    void currentReadsEveryReleasedVersionAndViceVersa() {
        Schema current = SchemaHistory.current();
        for (Schema released : history.released()) {
            assertCompatible(current, released);
            assertCompatible(released, current);
        }
    }

    @Test
    void anIncompatibleChangeIsDetected() {
        Schema current = SchemaHistory.current();
        // a new required field without a default: old data cannot be read by the new schema
        Schema withRequiredField = new Schema.Parser().parse(current.toString()
                .replaceFirst("\"name\":\"source\"", "\"name\":\"tenant\",\"type\":\"string\"},{\"name\":\"source\""));
        assertIncompatible(withRequiredField, current);
        // a retyped field: int -> string of ApplyAttempted.attempt
        Schema retyped = new Schema.Parser().parse(current.toString()
                .replace("{\"name\":\"attempt\",\"type\":\"int\"}", "{\"name\":\"attempt\",\"type\":\"string\"}"));
        assertFalse(retyped.toString().equals(current.toString()), "the test must really change the schema");
        assertIncompatible(retyped, current);
        assertIncompatible(current, retyped);
    }

    @Test
    void dataOfAnOlderVersionDecodesIntoCurrentClasses() throws IOException {
        // an "older" version: HostReported without its defaulted `labels` field
        Schema current = SchemaHistory.current();
        String json = current.toString();
        String labelsField = "{\"name\":\"labels\",\"type\":{\"type\":\"map\",\"values\":{\"type\":\"string\",\"avro.java.string\":\"String\"},\"avro.java.string\":\"String\"},\"default\":{}}";
        assertTrue(json.contains(labelsField), "fixture assumption: HostReported.labels is " + labelsField);
        Schema older = new Schema.Parser().parse(json.replace("," + labelsField, ""));
        assertCompatible(current, older);

        GenericData generic = new GenericData();
        GenericRecord kernel = new GenericData.Record(older.getField("payload").schema().getTypes().stream()
                .filter(s -> s.getName().equals("HostReported")).findFirst().orElseThrow().getField("kernel").schema());
        kernel.put("release", "6.1.0-1-amd64");
        kernel.put("flavour", "amd64");
        Schema reportSchema = older.getField("payload").schema().getTypes().stream()
                .filter(s -> s.getName().equals("HostReported")).findFirst().orElseThrow();
        GenericRecord report = new GenericData.Record(reportSchema);
        report.put("hostname", "old-host");
        report.put("kernel", kernel);
        report.put("kernelVersion", "Linux version 6.1.0-1-amd64");
        report.put("bootId", "b");
        report.put("uptimeSeconds", 5L);
        report.put("lockdown", new GenericData.EnumSymbol(reportSchema.getField("lockdown").schema(), "NONE"));
        report.put("livepatches", List.of());
        report.put("agentVersion", "0.0.1");
        GenericRecord envelope = new GenericData.Record(older);
        envelope.put("eventId", "e-1");
        envelope.put("occurredAt", 1_000L);
        envelope.put("source", "old-agent");
        envelope.put("payload", report);
        byte[] bytes = new BinaryMessageEncoder<GenericRecord>(generic, older).encode(envelope).array();

        EventCodec codec = new EventCodec(SchemaHistory.of(List.of(older)));
        KhpEvent decoded = codec.decode(bytes);
        HostReported payload = (HostReported) decoded.getPayload();
        assertEquals("old-host", payload.getHostname());
        assertEquals(Map.of(), payload.getLabels());
        assertEquals("old-agent", decoded.getSource());
    }

    private static void assertCompatible(Schema reader, Schema writer) {
        var result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
        assertEquals(SchemaCompatibilityType.COMPATIBLE, result.getType(), result.getDescription());
    }

    private static void assertIncompatible(Schema reader, Schema writer) {
        var result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
        assertEquals(SchemaCompatibilityType.INCOMPATIBLE, result.getType(), "expected the change to be detected");
    }

}
