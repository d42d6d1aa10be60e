package org.mambats.model.tick;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.mambats.model.tick.TickValidator.Outcome;
import org.mambats.model.tick.TickValidator.Position;
import org.mambats.model.tick.TickValidator.Verdict;

class TickValidatorTest {
    static final long T0 = 1_700_000_000_000L;
    final TickValidator validator = new TickValidator(2_000);

    private Verdict feed(Position p, Tick t) {
        Verdict v = validator.check(t, p);
        if (v.accepted()) {
            validator.accept(t, p);
        }
        return v;
    }

    @Test
    void badFieldsAreRejectedWithTheirReason() {
        Position p = new Position();
        String[][] cases = {
                {"non-finite price NaN"}, {"non-finite price Infinity"}, {"non-positive price -1.0"}, {"non-positive price 0.0"},
                {"negative size -2.0"}, {"non-finite size NaN"}, {"missing symbol"}, {"implausible event time"},
                {"crossed quote"}, {"invalid bid"},
        };
        Tick[] ticks = {
                Tick.trade("X", T0, Double.NaN, 1, 0), Tick.trade("X", T0, Double.POSITIVE_INFINITY, 1, 0),
                Tick.trade("X", T0, -1, 1, 0), Tick.trade("X", T0, 0, 1, 0), Tick.trade("X", T0, 10, -2, 0),
                Tick.trade("X", T0, 10, Double.NaN, 0), Tick.trade(" ", T0, 10, 1, 0), Tick.trade("X", -2_300_000_000_000L, 10, 1, 0),
                new Tick("X", T0, 10, 1, 10.5, 10.4, 0), new Tick("X", T0, 10, 1, -3, 10.4, 0),
        };
        for (int i = 0; i < ticks.length; i++) {
            Verdict v = feed(p, ticks[i]);
            assertEquals(Outcome.REJECT, v.outcome(), cases[i][0]);
            assertTrue(v.reason().startsWith(cases[i][0]), v.reason() + " should start with " + cases[i][0]);
        }
        assertEquals(0, p.count(), "nothing rejected changed the position");
    }

    private Verdict judge(Position p, Tick t) {
        return validator.apply(t, p);
    }

    @Test
    void aCorruptPriceIsRejectedAndTheStateMovesOnlyWhenTheMarketConfirmsANewLevel() {
        Position p = new Position();
        for (int i = 0; i < 5; i++) {
            assertEquals(Outcome.ACCEPT, judge(p, Tick.trade("X", T0 + i, 100 + 0.1 * i, 1, i)).outcome());
        }
        Verdict corrupt = judge(p, Tick.trade("X", T0 + 10, 1e-300, 1, 10));
        assertEquals(Outcome.REJECT, corrupt.outcome());
        assertTrue(corrupt.reason().startsWith(TickValidator.PRICE_BAND), corrupt.reason());
        assertEquals(Outcome.ACCEPT, judge(p, Tick.trade("X", T0 + 11, 100.2, 1, 11)).outcome(), "the market never went there");
        // A fat finger: one print ten times the price, then the market as before.
        assertEquals(Outcome.REJECT, judge(p, Tick.trade("X", T0 + 12, 1002, 1, 12)).outcome());
        assertEquals(Outcome.ACCEPT, judge(p, Tick.trade("X", T0 + 13, 100.3, 1, 13)).outcome());
        // A real crash to a fifth: the first two prints there go to the dead letters, the third confirms the level.
        assertEquals(Outcome.REJECT, judge(p, Tick.trade("X", T0 + 14, 20.0, 1, 14)).outcome());
        assertEquals(Outcome.REJECT, judge(p, Tick.trade("X", T0 + 15, 20.4, 1, 15)).outcome());
        assertEquals(Outcome.ACCEPT, judge(p, Tick.trade("X", T0 + 16, 19.7, 1, 16)).outcome(), "three agreeing prints: a new level");
        assertEquals(Outcome.ACCEPT, judge(p, Tick.trade("X", T0 + 17, 19.9, 1, 17)).outcome(), "and the state follows it");
        // Out-of-band prints that disagree with each other never confirm anything.
        assertEquals(Outcome.REJECT, judge(p, Tick.trade("X", T0 + 18, 200, 1, 18)).outcome());
        assertEquals(Outcome.REJECT, judge(p, Tick.trade("X", T0 + 19, 1e-9, 1, 19)).outcome());
        assertEquals(Outcome.REJECT, judge(p, Tick.trade("X", T0 + 20, 200, 1, 20)).outcome());
        assertEquals(Outcome.ACCEPT, judge(p, Tick.trade("X", T0 + 21, 20.1, 1, 21)).outcome());
    }

    @Test
    void aTickWithoutSeqAfterNumberedOnesIsRejectedWithTheRule() {
        Position p = new Position();
        assertEquals(Outcome.ACCEPT, feed(p, Tick.trade("X", T0, 10, 1, 7)).outcome());
        Verdict v = feed(p, Tick.trade("X", T0 + 1, 10.1, 1, Tick.NO_SEQ));
        assertEquals(Outcome.REJECT, v.outcome());
        assertTrue(v.reason().startsWith(TickValidator.MISSING_SEQ), v.reason());
        assertEquals(Outcome.ACCEPT, feed(p, Tick.trade("X", T0 + 2, 10.2, 1, 8)).outcome(), "the numbering goes on");
        Position never = new Position();
        assertEquals(Outcome.ACCEPT, feed(never, Tick.trade("Y", T0, 10, 1, Tick.NO_SEQ)).outcome());
        assertEquals(Outcome.ACCEPT, feed(never, Tick.trade("Y", T0 + 1, 10.1, 1, Tick.NO_SEQ)).outcome(), "never numbered: fine");
    }

    @Test
    void duplicatesBySequenceAndByContent() {
        Position p = new Position();
        assertEquals(Outcome.ACCEPT, feed(p, Tick.trade("X", T0, 10, 1, 5)).outcome());
        assertEquals(Outcome.DUPLICATE, feed(p, Tick.trade("X", T0 + 10, 11, 1, 5)).outcome());
        Verdict renumbered = feed(p, Tick.trade("X", T0 + 10, 11, 1, 4));
        assertEquals(Outcome.DUPLICATE, renumbered.outcome());
        assertTrue(renumbered.reason().contains("--seq-start"), "a newer tick with an old sequence number: " + renumbered.reason());
        assertTrue(feed(p, Tick.trade("X", T0, 10, 1, 5)).reason().contains("already seen"));
        assertEquals(Outcome.ACCEPT, feed(p, Tick.trade("X", T0 + 10, 11, 1, 9)).outcome(), "a gap in sequence is fine");
        Position q = new Position();
        assertEquals(Outcome.ACCEPT, feed(q, Tick.trade("X", T0, 10, 1, Tick.NO_SEQ)).outcome());
        assertEquals(Outcome.ACCEPT, feed(q, Tick.trade("X", T0, 10, 2, Tick.NO_SEQ)).outcome(), "same time, other size");
        assertEquals(Outcome.DUPLICATE, feed(q, Tick.trade("X", T0, 10, 1, Tick.NO_SEQ)).outcome());
    }

    @Test
    void lateTicksWithinGraceAreAcceptedBeyondAreRejected() {
        Position p = new Position();
        feed(p, Tick.trade("X", T0, 10, 1, 1));
        feed(p, Tick.trade("X", T0 + 5_000, 10, 1, 2));
        Verdict late = feed(p, Tick.trade("X", T0 + 3_500, 10, 1, 3));
        assertEquals(Outcome.ACCEPT, late.outcome());
        assertEquals(T0 + 5_000, p.lastTimeMillis(), "the clock does not move backwards");
        Verdict tooLate = feed(p, Tick.trade("X", T0 + 2_000, 10, 1, 4));
        assertEquals(Outcome.REJECT, tooLate.outcome());
        assertTrue(tooLate.reason().contains("3000 ms before the latest tick (grace 2000 ms)"), tooLate.reason());
    }
}
