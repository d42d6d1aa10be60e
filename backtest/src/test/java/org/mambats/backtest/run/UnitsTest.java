package org.mambats.backtest.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class UnitsTest {
    private static final Progress QUIET = new Progress(null);

    @Test
    void aUnitAfterAnotherGetsItsResult() throws IOException {
        try (Units units = new Units(2, QUIET)) {
            Units.Result<Integer> first = units.submit("first", () -> 20);
            Units.Result<Integer> next = units.after(first, "next", x -> x + 1);
            units.awaitAll();
            assertEquals(21, next.get());
        }
    }

    /**
     * One queue, not phases: with two workers, a unit that needs a finished unit's result runs while a long unit
     * submitted before it is still running (here the long one waits for it, so phases would leave it waiting).
     */
    @Test
    void aDependentUnitRunsWhileAnEarlierLongUnitStillRuns() throws IOException {
        CountDownLatch dependentRan = new CountDownLatch(1);
        try (Units units = new Units(2, QUIET)) {
            Units.Result<Boolean> longOne = units.submit("long", () -> dependentRan.await(30, TimeUnit.SECONDS));
            Units.Result<String> shortOne = units.submit("short", () -> "model");
            units.after(shortOne, "evaluate", m -> {
                dependentRan.countDown();
                return m;
            });
            units.awaitAll();
            assertTrue(longOne.get(), "the dependent unit ran before the long unit ended");
        }
    }

    @Test
    void aFailureReachesTheUnitsThatNeedItAndTheRun() {
        try (Units units = new Units(2, QUIET)) {
            Units.Result<String> first = units.submit("train fold 1", () -> {
                throw new IOException("disk full");
            });
            Units.Result<String> next = units.after(first, "evaluate fold 1", m -> m + "!");
            IOException e = assertThrows(IOException.class, units::awaitAll);
            assertEquals("disk full", e.getMessage());
            assertThrows(RuntimeException.class, next::get);
        }
    }

    @Test
    void aCheckedFailureIsNamedByItsUnit() {
        try (Units units = new Units(1, QUIET)) {
            units.submit("train fold 2", () -> {
                throw new InterruptedException("stopped");
            });
            IllegalStateException e = assertThrows(IllegalStateException.class, units::awaitAll);
            assertTrue(e.getMessage().contains("train fold 2"), e.getMessage());
        }
    }
}
