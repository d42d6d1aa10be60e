package org.mambats.ingest.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/** What the stream application hands Kafka Streams: its tuning, under the user's settings, under its own options. */
class StreamsPropertiesTest {
    @Test
    void theUsersSettingsWinOverTheTuningWithOrWithoutAClientPrefix() {
        ForecastStreamApp.Settings s = new ForecastStreamApp.Settings();
        Properties defaults = ForecastStreamApp.streamsProperties(s);
        assertEquals(256 * 1024, defaults.get("batch.size"));
        assertEquals(5, defaults.get("linger.ms"));

        s.kafkaSettings = Map.of("batch.size", "65536", "producer.linger.ms", "20", "security.protocol", "SASL_SSL");
        s.applicationId = "quant-signals";
        Properties p = ForecastStreamApp.streamsProperties(s);
        StreamsConfig config = new StreamsConfig(p);
        assertEquals("65536", String.valueOf(config.getProducerConfigs("client").get("batch.size")));
        assertEquals("20", String.valueOf(config.getProducerConfigs("client").get("linger.ms")));
        assertEquals("SASL_SSL", config.getMainConsumerConfigs("g", "c", 0).get("security.protocol"));
        assertEquals("SASL_SSL", config.getAdminConfigs("a").get("security.protocol"));
        assertEquals("quant-signals", p.get(StreamsConfig.APPLICATION_ID_CONFIG));
    }

    @Test
    void internalTopicsTakeTheClustersReplicationFactor() {
        // A production cluster replicates the state changelog as it replicates everything else; only the bundled
        // single broker makes that 1.
        assertFalse(ForecastStreamApp.streamsProperties(new ForecastStreamApp.Settings()).containsKey(StreamsConfig.REPLICATION_FACTOR_CONFIG));
    }
}
