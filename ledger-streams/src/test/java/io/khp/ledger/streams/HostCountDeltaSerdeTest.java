package io.khp.ledger.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import io.khp.bus.AvroRecordSerde;
import io.khp.ledger.core.HostCountDelta;
import io.khp.state.HostPatchChange;
import io.khp.state.PatchStatus;

class HostCountDeltaSerdeTest {

    @Test
    void aDeltaRoundTripsAndIsToldApartFromAChange() {
        HostCountDelta delta = new HostCountDelta("patch-é1", new TreeMap<>(Map.of("APPLIED", 3, "REQUESTED", -2)), 1234L);
        byte[] bytes = HostCountDeltaSerde.encode(delta);
        assertTrue(HostCountDeltaSerde.isDelta(bytes));
        assertEquals(delta, HostCountDeltaSerde.decode(bytes));
        byte[] change = new AvroRecordSerde<>(HostPatchChange.class).encode(HostPatchChange.newBuilder().setHostId("h")
                .setPatchId("p").setPrevious(PatchStatus.UNKNOWN).setCurrent(PatchStatus.REQUESTED).setAt(1)
                .setEventId("e").build());
        assertFalse(HostCountDeltaSerde.isDelta(change));
    }
}
