/** A backtest run: configuration, walk-forward fold planning, the orchestration (replay, training per fold, baselines, scoring) and its result. */
package org.mambats.backtest.run;
