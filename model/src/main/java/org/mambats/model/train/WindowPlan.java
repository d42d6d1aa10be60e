package org.mambats.model.train;

import java.util.ArrayList;
import java.util.List;

/**
 * How an epoch cuts sequences into truncated-BPTT windows and deals them to the lanes of a batch.
 *
 * <p>Each sequence is cut into consecutive windows of at most W ticks, the first one {@code shift} ticks long when
 * {@code shift > 0} (so the truncation points move from epoch to epoch). All windows, sequence after sequence, are
 * then split into {@code lanes} contiguous runs of (nearly) equal count; step i of the epoch processes window i of
 * every lane. Inside a lane, a window that directly follows its predecessor in the same sequence starts from the
 * predecessor's final state (detached); any other window starts from zeros.
 */
final class WindowPlan {
    /** Ticks [start, start+length) of sequence {@code sequence}; {@code continues}: carry the lane's state into it. */
    record Window(int sequence, int start, int length, boolean continues) {
    }

    final List<List<Window>> lanes;
    final int steps;

    private WindowPlan(List<List<Window>> lanes) {
        this.lanes = lanes;
        int s = 0;
        for (List<Window> l : lanes) {
            s = Math.max(s, l.size());
        }
        this.steps = s;
    }

    /**
     * @param lengths  the sequences' lengths, in processing order given by {@code order}
     * @param order    indices into lengths, in the order to process
     * @param maxLanes the batch size; fewer lanes are used when there are fewer windows
     */
    static WindowPlan build(int[] lengths, int[] order, int maxLanes, int window, int shift) {
        if (window <= 0 || maxLanes <= 0) {
            throw new IllegalArgumentException("window and lanes must be positive");
        }
        if (shift < 0 || shift >= window) {
            throw new IllegalArgumentException("shift must be in [0, window)");
        }
        List<Window> all = new ArrayList<>();
        for (int seq : order) {
            int len = lengths[seq];
            int start = 0;
            boolean first = true;
            if (shift > 0 && len > shift) {
                all.add(new Window(seq, 0, shift, false));
                start = shift;
                first = false;
            }
            while (start < len) {
                int l = Math.min(window, len - start);
                all.add(new Window(seq, start, l, !first));
                first = false;
                start += l;
            }
        }
        int n = all.size();
        int lanes = Math.max(1, Math.min(maxLanes, n));
        List<List<Window>> out = new ArrayList<>();
        for (int b = 0; b < lanes; b++) {
            int from = (int) ((long) b * n / lanes);
            int to = (int) ((long) (b + 1) * n / lanes);
            List<Window> lane = new ArrayList<>();
            for (int i = from; i < to; i++) {
                Window w = all.get(i);
                Window prev = lane.isEmpty() ? null : lane.get(lane.size() - 1);
                boolean cont = w.continues() && prev != null && prev.sequence() == w.sequence()
                        && prev.start() + prev.length() == w.start();
                lane.add(cont == w.continues() ? w : new Window(w.sequence(), w.start(), w.length(), cont));
            }
            out.add(lane);
        }
        return new WindowPlan(out);
    }

    /** Total ticks covered. */
    long ticks() {
        long t = 0;
        for (List<Window> l : lanes) {
            for (Window w : l) {
                t += w.length();
            }
        }
        return t;
    }
}
