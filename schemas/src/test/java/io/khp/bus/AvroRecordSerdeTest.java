package io.khp.bus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.api.Test;

import io.khp.state.HostKernel;
import io.khp.state.HostPatch;
import io.khp.state.HostState;
import io.khp.state.PatchStatus;
import io.khp.state.StateTimes;

class AvroRecordSerdeTest {

    private final AvroRecordSerde<HostState> serde = new AvroRecordSerde<>(HostState.class);

    static HostState host(int i, int patches) {
        List<HostPatch> list = new ArrayList<>();
        for (int p = 0; p < patches; p++) {
            StateTimes times = new StateTimes();
            times.setREQUESTED(1_700_000_000_000L + i);
            times.setAPPLIED(1_700_000_000_500L + p);
            list.add(HostPatch.newBuilder().setPatchId("patch-" + p).setModuleName("khp_patch_" + p).setState(PatchStatus.APPLIED)
                    .setAttempts(1).setLastOutcome("APPLIED").setEnteredAt(times).setStackPosition(p).setUpdatedAt(5L).build());
        }
        return HostState.newBuilder().setHostId("host-" + i).setHostname("host-" + i + ".example")
                .setKernel(HostKernel.newBuilder().setRelease("6.1.0-57-amd64").setFlavour("amd64").setVersion("Linux version ü").build())
                .setBootId("boot-" + i).setLastSeen(42L).setLabels(Map.of("rack", "r" + i % 7)).setPatches(list)
                .setRecentEvents(ByteBuffer.wrap(new byte[8 * (i % 33)])).setVersion(i).build();
    }

    @Test
    void encodesAsAvrosSingleObjectEncoder() throws Exception {
        SpecificData model = new SpecificData(HostState.class.getClassLoader());
        BinaryMessageEncoder<HostState> avro = new BinaryMessageEncoder<>(model, HostState.SCHEMA$);
        for (int i = 0; i < 50; i++) {
            HostState state = host(i, i % 4);
            ByteBuffer expected = avro.encode(state);
            byte[] want = new byte[expected.remaining()];
            expected.get(want);
            byte[] got = serde.encode(state);
            assertArrayEquals(want, got, "host " + i);
            assertEquals(state, serde.decode(got));
        }
    }

    @Test
    void aLargeStateGrowsTheBufferAndTheNextSmallOneIsNotPaddedByIt() {
        HostState large = host(3, 400);
        HostState small = host(4, 0);
        byte[] first = serde.encode(large);
        byte[] second = serde.encode(small);
        assertEquals(large, serde.decode(first));
        assertEquals(small, serde.decode(second));
        assertArrayEquals(second, serde.encode(small));
    }

    @Test
    void threadsEncodeIndependently() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int offset = t;
                results.add(pool.submit(() -> {
                    for (int i = 0; i < 2000; i++) {
                        HostState s = host(offset * 10_000 + i, i % 5);
                        if (!s.equals(serde.decode(serde.encode(s)))) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> r : results) {
                assertEquals(true, r.get());
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void aValueThatDoesNotFitItsSchemaIsRefusedWithItsType() {
        // a field after several others, so that the encoder holds bytes when it fails
        HostState broken = host(1, 1);
        broken.setLockdown(null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> serde.encode(broken));
        assertEquals(true, e.getMessage().startsWith("cannot encode HostState"), e.getMessage());
        // the thread's buffer and encoder are usable after a failed encoding: the same bytes as before it
        HostState fine = host(2, 2);
        byte[] before = new AvroRecordSerde<>(HostState.class).encode(fine);
        assertArrayEquals(before, serde.encode(fine));
        assertEquals(fine, serde.decode(serde.encode(fine)));
    }
}
