package org.mambats.model.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.mambats.model.tick.RowCounts;
import org.mambats.model.dataset.TickSeries;
import org.mambats.model.features.Horizon;

/** Sequence weights: the gradient they give, and how a training set weighs its symbols. */
class SequenceWeightTest {

    @Test
    void weightedGradientIsThatOfTheWeightedMean() {
        // Two lanes of 2 ticks, 1 horizon, 1 quantile; lane 0 has one unknown target. Plain-mean gradient: g_i / 3.
        float[] targets = {1, Float.NaN, 1, 1};
        float[] dq = {1f / 3, 0, 1f / 3, 1f / 3};
        // Weights 1 and 3: d(sum w l / sum w) = w_i g_i / (1 + 3 + 3) ; as a factor on g_i / 3: 3 w_i / 7.
        float[] weighted = dq.clone();
        Trainer.weigh(weighted, targets, new float[] {1, 3}, 2);
        assertArrayEquals(new float[] {1f / 7, 0, 3f / 7, 3f / 7}, weighted, 1e-7f);
        // Equal weights change nothing, whatever their size.
        float[] same = dq.clone();
        Trainer.weigh(same, targets, new float[] {2.5f, 2.5f}, 2);
        assertArrayEquals(dq, same, 1e-7f);
        assertThrows(IllegalArgumentException.class, () -> new TrainingSequence(1, new float[6], new float[1], null, 0f));
    }

    @Test
    void symbolsWeighByTheSquareRootOfTheirTicks() throws Exception {
        // A symbol with four times the ticks of another weighs half as much per tick: twice as much in all.
        java.nio.file.Path csv = java.nio.file.Files.createTempFile("weights", ".csv");
        StringBuilder b = new StringBuilder("symbol,ts,price,size\n");
        long t0 = 1_700_000_000_000L;
        for (int i = 0; i < 4000; i++) {
            b.append("BUSY,").append(t0 + i * 250L).append(',').append(100 + (i % 7) * 0.01).append(",1\n");
            if (i % 4 == 0) {
                b.append("QUIET,").append(t0 + i * 250L + 1).append(',').append(50 + (i % 5) * 0.01).append(",1\n");
            }
        }
        java.nio.file.Files.writeString(csv, b);
        var series = TickSeries.read(csv.toString(), null, 20, 2000, new RowCounts());
        TrainingSet set = new TrainingSet(series.values(), Horizon.parseList("1tick"), new float[] {0.1f, 0.5f, 0.9f}, 0.0, false);
        List<TrainingSequence> seqs = set.train;
        assertEquals(2, seqs.size());
        TrainingSequence busy = seqs.get(0).length() > seqs.get(1).length() ? seqs.get(0) : seqs.get(1);
        TrainingSequence quiet = busy == seqs.get(0) ? seqs.get(1) : seqs.get(0);
        assertEquals(4.0, (double) busy.length() / quiet.length(), 0.01);
        assertEquals(0.5, busy.weight() / quiet.weight(), 0.01);
        assertEquals(1.0, (busy.weight() * busy.length() + quiet.weight() * quiet.length()) / (busy.length() + quiet.length()), 1e-6,
                "a mean weight of 1 per tick");
        java.nio.file.Files.delete(csv);
    }
}
