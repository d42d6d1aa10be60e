/**
 * Training of the forecaster (tick features -> input projection -> Mamba backbone -> non-crossing quantile head) on
 * ND4J.
 *
 * <h2>Design, and why</h2>
 * Measured on the 2-core target machine before choosing:
 * <ul>
 *   <li>A SameDiff graph that unrolls the selective scan over time: about 20 ms per time step for one layer's scan
 *       alone at B=32 (forward + backward, ~11 ops per step), i.e. under 2k ticks/s before anything else; each small
 *       ND4J op costs 15-60 us of fixed overhead and graph construction grows with the window.</li>
 *   <li>ND4J gemm over all B*L tokens at once: 40-100 GFLOP/s for [8192,64]x[64,256]; copying 8 MB between heap
 *       and off-heap buffers about 0.5 ms.</li>
 * </ul>
 * So {@link org.mambats.model.train.ForecasterEngine} does every dense projection and its gradients as one ND4J
 * gemm over the whole batch and runs the conv, the scan, the gates and norms and their exact hand-derived backward
 * in plain Java (the scan on Vector API lanes), parallel over lanes. The backward is checked element by element
 * against finite differences of an independent double-precision reference, for every parameter tensor, with and
 * without delta scaling, from zero and non-zero states (GradientCheckTest). Optimisation runs on ND4J's updaters:
 * {@code Adam}, {@code WeightDecay} applied after the updater (decoupled, AdamW; M2.1 has no AdamW class),
 * {@code org.nd4j.linalg.schedule} schedules; clipping by global norm is done on the flat gradient before the
 * updater. Throughput of the reference configuration: see {@link org.mambats.model.train.TrainingBenchmark}.
 *
 * <h2>Entry points</h2>
 * <ul>
 *   <li>{@link org.mambats.model.train.Trainer}: {@code create}, {@code fit} (TBPTT windows, state carry, seeded
 *       shuffles, early stopping, progress callbacks), {@code step}, {@code evaluate}.</li>
 *   <li>{@link org.mambats.model.train.ForecasterEngine}: {@code forward} (full sequence, any initial state,
 *       returns quantiles and final state), {@code forwardBackbone}, {@code backward}.</li>
 *   <li>{@link org.mambats.model.train.BatchState}: per-lane recurrent state (conv [K-1][E] oldest first, SSM
 *       [E][N]).</li>
 * </ul>
 */
package org.mambats.model.train;
