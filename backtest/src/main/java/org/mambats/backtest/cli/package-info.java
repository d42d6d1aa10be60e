/** The {@code ./mamba-ts backtest} command: options, the run, the report, the summary on the terminal. */
package org.mambats.backtest.cli;
