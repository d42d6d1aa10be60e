package org.mambats.ingest.stream;

/** Topic and store names of the forecasting application, with the defaults the README documents. */
public record StreamTopics(String ticks, String forecasts, String deadLetters) {
    public static final StreamTopics DEFAULT = new StreamTopics("ticks", "forecasts", "ticks-dlq");
    /** The per-symbol state store; its changelog topic is {@code <application.id>-symbol-state-changelog}. */
    public static final String STATE_STORE = "symbol-state";
}
