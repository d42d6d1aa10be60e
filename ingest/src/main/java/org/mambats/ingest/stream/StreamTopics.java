package org.mambats.ingest.stream;

/**
 * Topic and store names of the forecasting application, with the defaults the README documents. The defaults are
 * declared here once; every command's options, the service and the demo take them from here.
 */
public record StreamTopics(String ticks, String forecasts, String deadLetters) {
    public static final String DEFAULT_TICKS = "ticks";
    public static final String DEFAULT_FORECASTS = "forecasts";
    public static final String DEFAULT_DEAD_LETTERS = "ticks-dlq";
    /** The stream's Kafka Streams application id. */
    public static final String DEFAULT_APPLICATION_ID = "mamba-ts-stream";
    /** The sink's consumer group, also the key of the offsets it stores in the database. */
    public static final String DEFAULT_SINK_GROUP = "mamba-ts-sink";
    public static final StreamTopics DEFAULT = new StreamTopics(DEFAULT_TICKS, DEFAULT_FORECASTS, DEFAULT_DEAD_LETTERS);
    /** The per-symbol state store; its changelog topic is {@code <application.id>-symbol-state-changelog}. */
    public static final String STATE_STORE = "symbol-state";
}
