/** The report directory: forecasts in the predict format, metrics.json, report.html and its Java2D charts. */
package org.mambats.backtest.report;
