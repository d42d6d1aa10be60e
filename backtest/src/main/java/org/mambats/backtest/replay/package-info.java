/** History as the live stream would deliver it, replayed through the live operator's {@link org.mambats.model.forecast.ForecastStepper}; the replay-throughput measurement. */
package org.mambats.backtest.replay;
