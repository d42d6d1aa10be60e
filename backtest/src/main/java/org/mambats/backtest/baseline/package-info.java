/** The reference forecasters scored next to the model: no-change, EWMA, AR and an LSTM on Deeplearning4j. */
package org.mambats.backtest.baseline;
