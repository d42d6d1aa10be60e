/**
 * Online calibration of the forecast quantiles inside the stream: quantile tracking (Angelopoulos, Candes and
 * Tibshirani 2023) on an offset per symbol, horizon and quantile, in units of the forecast's own volatility scale,
 * updated when a forecast's horizon has passed. {@link org.mambats.model.calibration.QuantileCalibrator} is the rule,
 * {@link org.mambats.model.calibration.CalibrationState} what a symbol remembers of it.
 */
package org.mambats.model.calibration;
