package org.mambats.ingest.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the stream threads' time goes: Java Flight Recorder samples their stacks every 10 ms while the bench runs,
 * and each sample is put in the first category its innermost frames belong to. The split is the evidence for
 * what the Mamba operator adds to a tick next to the pass-through one; sampling every 10 ms costs both a little,
 * alike.
 */
final class StreamThreadProfile implements AutoCloseable {
    /** What a stream thread can be doing, in the order a sample's frames are tested from the innermost out. */
    enum Activity {
        MODEL("model: validation, features, step, head"),
        FORECAST_JSON("writing the forecasts' JSON"),
        TICK_PARSING("parsing the tick"),
        OPERATOR("the operator's own bookkeeping"),
        KAFKA("Kafka: polling, producing, committing, the rest");

        final String label;

        Activity(String label) {
            this.label = label;
        }

        /** The activity a frame of class {@code type} belongs to, or null when it says nothing (e.g. java.util). */
        static Activity of(String type) {
            if (type.equals("org.mambats.model.forecast.Forecast") || type.startsWith("org.mambats.model.forecast.Forecast$")) {
                return FORECAST_JSON;
            }
            if (type.startsWith("org.mambats.model.tick.TickJson")) {
                return TICK_PARSING;
            }
            if (type.startsWith("org.mambats.model.")) {
                return MODEL;
            }
            if (type.startsWith("org.mambats.ingest.")) {
                return OPERATOR;
            }
            if (type.startsWith("org.apache.kafka.")) {
                return KAFKA;
            }
            return null;
        }
    }

    private final Recording recording = new Recording();

    StreamThreadProfile() {
        recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
        recording.setToDisk(true);
        recording.start();
    }

    /**
     * Stops sampling and counts the samples of each application whose stream threads' names contain one of
     * {@code applications} (e.g. "-mamba-"), by activity.
     */
    Map<String, Map<Activity, Integer>> stop(List<String> applications) throws IOException {
        recording.stop();
        Path file = Files.createTempFile("stream-threads", ".jfr");
        try {
            recording.dump(file);
            Map<String, Map<Activity, Integer>> counts = new LinkedHashMap<>();
            for (String application : applications) {
                Map<Activity, Integer> c = new LinkedHashMap<>();
                for (Activity a : Activity.values()) {
                    c.put(a, 0);
                }
                counts.put(application, c);
            }
            try (RecordingFile events = new RecordingFile(file)) {
                while (events.hasMoreEvents()) {
                    RecordedEvent e = events.readEvent();
                    RecordedThread thread = e.getThread("sampledThread");
                    String name = thread == null ? null : thread.getJavaName();
                    if (name == null || !name.contains("-StreamThread-") || name.startsWith("kafka-producer") || e.getStackTrace() == null) {
                        continue;
                    }
                    for (String application : applications) {
                        if (name.contains(application)) {
                            counts.get(application).merge(activity(e.getStackTrace().getFrames()), 1, Integer::sum);
                        }
                    }
                }
            }
            return counts;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static Activity activity(List<RecordedFrame> innermostFirst) {
        for (RecordedFrame f : innermostFirst) {
            Activity a = Activity.of(f.getMethod().getType().getName());
            if (a != null) {
                return a;
            }
        }
        return Activity.KAFKA; // a stream thread's stack with neither our frames nor Kafka's: the JDK under Kafka
    }

    /** "model ... 38%, writing ... 16%, ... (1,456 samples)". */
    static String shares(Map<Activity, Integer> counts) {
        int total = counts.values().stream().mapToInt(Integer::intValue).sum();
        StringBuilder s = new StringBuilder();
        for (var e : counts.entrySet()) {
            if (e.getValue() > 0) {
                s.append(s.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%s %.0f%%", e.getKey().label, 100.0 * e.getValue() / total));
            }
        }
        return s.append(String.format(Locale.ROOT, " (%,d samples)", total)).toString();
    }

    @Override
    public void close() {
        recording.close();
    }
}
