/** Where finished runs go besides the report: the database's backtest tables, through a provider found at run time. */
package org.mambats.backtest.sink;
