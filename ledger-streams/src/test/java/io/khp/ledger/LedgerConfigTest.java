package io.khp.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

class LedgerConfigTest {

    @Test
    void streamsCommitsAtTheBacklogIntervalWhileTasksThatKeepUpAskForTheirOwn() {
        LedgerConfig defaults = LedgerConfig.from(Map.of());
        assertEquals(300, defaults.commitIntervalMs());
        assertEquals(2_000, defaults.backlogCommitMs());
        assertEquals(2_000, defaults.streamsCommitIntervalMs());
        LedgerConfig inverted = LedgerConfig.from(Map.of("KHP_LEDGER_COMMIT_MS", "5000", "KHP_LEDGER_BACKLOG_COMMIT_MS", "1000"));
        assertEquals(5_000, inverted.streamsCommitIntervalMs(), "a backlog never commits more often than a ledger that keeps up");
    }

    @Test
    void aCommitIntervalThatIsNotPositiveIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LedgerConfig.from(Map.of("KHP_LEDGER_BACKLOG_COMMIT_MS", "0")));
        assertTrue(e.getMessage().contains("KHP_LEDGER_BACKLOG_COMMIT_MS"), e.getMessage());
    }
}
