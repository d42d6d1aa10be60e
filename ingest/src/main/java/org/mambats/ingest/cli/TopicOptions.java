package org.mambats.ingest.cli;

import org.mambats.ingest.stream.StreamTopics;
import picocli.CommandLine.Option;

/**
 * The stream's topics and application id, declared once for every command that names them ({@code stream},
 * {@code serve}); the defaults are {@link StreamTopics}'.
 */
public final class TopicOptions {
    @Option(names = "--ticks-topic", defaultValue = StreamTopics.DEFAULT_TICKS, description = "Ticks topic, the stream's input (default ${DEFAULT-VALUE}).")
    public String ticks = StreamTopics.DEFAULT_TICKS;
    @Option(names = "--forecasts-topic", defaultValue = StreamTopics.DEFAULT_FORECASTS,
            description = "Forecasts topic, the stream's output (default ${DEFAULT-VALUE}).")
    public String forecasts = StreamTopics.DEFAULT_FORECASTS;
    @Option(names = "--dlq-topic", defaultValue = StreamTopics.DEFAULT_DEAD_LETTERS,
            description = "Dead-letter topic for rejected ticks (default ${DEFAULT-VALUE}).")
    public String deadLetters = StreamTopics.DEFAULT_DEAD_LETTERS;
    @Option(names = "--application-id", defaultValue = StreamTopics.DEFAULT_APPLICATION_ID,
            description = "The stream's Kafka Streams application id (default ${DEFAULT-VALUE}).")
    public String applicationId = StreamTopics.DEFAULT_APPLICATION_ID;

    public StreamTopics topics() {
        return new StreamTopics(ticks, forecasts, deadLetters);
    }
}
