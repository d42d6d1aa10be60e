package org.mambats.model.forecast;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * What a checkpoint's provenance says that code reads back: the range of the data it was trained on (the backtest
 * scores only after it; the dashboard shows it) and the training's verdict against the baselines (the dashboard's
 * model line, {@code serve}). The rest of the provenance (recipe, counts, per-symbol data, losses) is written as
 * given, for people and reports. The keys are declared here once, for the writer ({@code TrainingRecipe}) and the
 * readers.
 *
 * @param dataFrom first tick's time of the training data, or null when the checkpoint does not say
 * @param dataTo   last tick's time of the training data, or null
 * @param verdict  the training's verdict in words, or null when the checkpoint predates verdicts
 */
public record TrainingProvenance(Instant dataFrom, Instant dataTo, String verdict) {
    public static final String DATA_FROM = "data_from";
    public static final String DATA_TO = "data_to";
    public static final String VERDICT = "verdict";
    /** Shown for a checkpoint that records no verdict. */
    public static final String NO_VERDICT = "no verdict recorded (trained before checkpoints kept one)";

    /** Reads the fields from a provenance object; what is missing or not an ISO-8601 instant is null. */
    public static TrainingProvenance of(JsonNode provenance) {
        if (provenance == null || !provenance.isObject()) {
            return new TrainingProvenance(null, null, null);
        }
        JsonNode v = provenance.get(VERDICT);
        return new TrainingProvenance(instant(provenance.get(DATA_FROM)), instant(provenance.get(DATA_TO)),
                v != null && v.isTextual() ? v.asText() : null);
    }

    /** The verdict, or {@link #NO_VERDICT}. */
    public String verdictInWords() {
        return verdict == null ? NO_VERDICT : verdict;
    }

    /** Whether both ends of the training range are known. */
    public boolean hasRange() {
        return dataFrom != null && dataTo != null;
    }

    private static Instant instant(JsonNode n) {
        if (n == null || !n.isTextual()) {
            return null;
        }
        try {
            return Instant.parse(n.asText());
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
