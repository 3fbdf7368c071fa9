package io.khp.ledger.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.khp.state.HostPatchChange;
import io.khp.state.PatchState;
import io.khp.state.PatchStatus;

class HostCountDeltaTest {

    private static HostPatchChange change(String host, PatchStatus from, PatchStatus to, long at, String rollout) {
        return HostPatchChange.newBuilder().setHostId(host).setPatchId("p1").setRolloutId(rollout).setWave(0)
                .setPrevious(from).setCurrent(to).setAt(at).setEventId(host + at).build();
    }

    @Test
    void summedChangesGiveTheCountsOfChangesOneByOne() {
        PatchStatus[] path = {PatchStatus.UNKNOWN, PatchStatus.REQUESTED, PatchStatus.CAPTURED, PatchStatus.VERIFIED,
                PatchStatus.APPLYING, PatchStatus.APPLIED, PatchStatus.REVERTING, PatchStatus.REVERTED};
        Random random = new Random(11);
        List<HostPatchChange> changes = new ArrayList<>();
        int[] step = new int[20];
        for (int i = 0; i < 300; i++) {
            int h = random.nextInt(step.length);
            if (step[h] + 1 < path.length) {
                changes.add(change("h" + h, path[step[h]], path[step[h] + 1], i, null));
                step[h]++;
            }
        }
        PatchState oneByOne = null;
        for (HostPatchChange c : changes) {
            oneByOne = PatchLedger.hostChanged(oneByOne, c);
        }
        // summed in batches of any size, in order
        PatchState summed = null;
        HostCountSum sum = new HostCountSum("p1");
        for (int i = 0; i < changes.size(); i++) {
            sum.add(changes.get(i));
            if (random.nextInt(7) == 0 || i == changes.size() - 1) {
                summed = PatchLedger.hostCountsChanged(summed, sum.delta());
                sum = new HostCountSum("p1");
            }
        }
        assertEquals(oneByOne.getHostCounts(), summed.getHostCounts());
        assertEquals(oneByOne.getUpdatedAt(), summed.getUpdatedAt());
    }

    @Test
    void aDeltaCarriesNetCountsOnly() {
        HostCountSum sum = new HostCountSum("p1");
        sum.add(change("h1", PatchStatus.UNKNOWN, PatchStatus.REQUESTED, 5, null));
        sum.add(change("h1", PatchStatus.REQUESTED, PatchStatus.CAPTURED, 7, null));
        sum.add(change("h2", PatchStatus.APPLIED, PatchStatus.APPLIED, 9, null));
        HostCountDelta d = sum.delta();
        assertEquals(Map.of("CAPTURED", 1), d.counts());
        assertEquals(7, d.at());
        PatchState p = PatchLedger.hostCountsChanged(null, d);
        assertEquals(Map.of("CAPTURED", 1), p.getHostCounts());
    }

    @Test
    void aChangeAndItsReverseLeaveNoCounts() {
        HostCountSum sum = new HostCountSum("p1");
        sum.add(change("h1", PatchStatus.APPLIED, PatchStatus.REVERTING, 3, null));
        sum.add(change("h1", PatchStatus.REVERTING, PatchStatus.APPLIED, 4, null));
        assertEquals(Map.of(), sum.delta().counts());
        assertEquals(4, sum.delta().at());
    }

    @Test
    void onlyChangesOutsideRolloutsAreSummed() {
        assertTrue(HostCountDelta.summable(change("h1", PatchStatus.UNKNOWN, PatchStatus.REQUESTED, 1, null)));
        assertFalse(HostCountDelta.summable(change("h1", PatchStatus.UNKNOWN, PatchStatus.REQUESTED, 1, "r1")));
    }
}
