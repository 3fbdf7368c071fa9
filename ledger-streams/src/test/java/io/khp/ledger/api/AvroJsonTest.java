package io.khp.ledger.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.khp.events.KhpEvent;
import io.khp.ledger.TestEvents;
import io.khp.ledger.core.HostLedger;
import io.khp.ledger.core.PatchCatalog;
import io.khp.state.HostState;

class AvroJsonTest {

    @Test
    void recordsBecomePlainJson() {
        TestEvents e = new TestEvents();
        HostState host = HostLedger.evolve(null, e.reported("h1", "b1", TestEvents.kernel("6.1.0-9-amd64", "amd64"),
                Map.of("rack", "r1"), "khp_x"), PatchCatalog.EMPTY, 0).state();
        JsonNode json = AvroJson.of(host);
        assertEquals("h1", json.get("hostId").asText());
        assertEquals("6.1.0-9-amd64", json.get("kernel").get("release").asText(), "unions are unwrapped");
        assertEquals("r1", json.get("labels").get("rack").asText());
        assertEquals("DRIFT", json.get("patches").get(0).get("state").asText(), "enums by name");
        assertTrue(json.get("patches").get(0).get("patchId").isNull());
        assertEquals(host.getLastSeen().longValue(), json.get("lastSeen").asLong());

        KhpEvent applied = e.applyRequested("h1", "p1");
        JsonNode event = AvroJson.of(applied);
        assertEquals(applied.getOccurredAt().toString(), event.get("occurredAt").asText(), "instants in ISO-8601");
        assertEquals("AQID", event.get("payload").get("artifact").get("signature").asText(), "bytes in base64");
    }
}
