package org.mambats.model.forecast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TrainingProvenanceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void readsTheRangeAndTheVerdict() throws Exception {
        TrainingProvenance p = TrainingProvenance.of(JSON.readTree("""
                {"data_from": "2013-11-25T00:00:00Z", "data_to": "2013-12-01T12:00:00Z", "verdict": "beats it by 3.0% pinball",
                 "epochs_run": 7}"""));
        assertEquals(Instant.parse("2013-11-25T00:00:00Z"), p.dataFrom());
        assertEquals(Instant.parse("2013-12-01T12:00:00Z"), p.dataTo());
        assertTrue(p.hasRange());
        assertEquals("beats it by 3.0% pinball", p.verdictInWords());
    }

    @Test
    void whatIsMissingOrMalformedIsUnknownNotAnError() throws Exception {
        TrainingProvenance p = TrainingProvenance.of(JSON.readTree("{\"data_from\": \"yesterday\", \"data_to\": 1385337600000, \"verdict\": 3}"));
        assertNull(p.dataFrom());
        assertNull(p.dataTo());
        assertFalse(p.hasRange());
        assertNull(p.verdict());
        assertEquals(TrainingProvenance.NO_VERDICT, p.verdictInWords());
        assertEquals(new TrainingProvenance(null, null, null), TrainingProvenance.of(null));
        assertEquals(new TrainingProvenance(null, null, null), TrainingProvenance.of(JSON.readTree("[]")));
    }
}
