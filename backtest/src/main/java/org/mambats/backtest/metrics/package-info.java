/** Forecast metrics (MAE, RMSE, pinball, coverage, calibration, direction), the Diebold-Mariano test, the trading rule and its accounting. */
package org.mambats.backtest.metrics;
