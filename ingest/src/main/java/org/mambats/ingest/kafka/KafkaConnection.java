package org.mambats.ingest.kafka;

import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;

/**
 * Where a command's Kafka clients connect and the client settings they all share: security ({@code security.protocol},
 * {@code sasl.*}, {@code ssl.*}) for a production cluster, and any tuning the user gives. Each client starts from its
 * own defaults, takes these settings over them, then sets what its design fixes (see {@link KafkaOptions}).
 *
 * @param bootstrap the cluster's bootstrap servers
 * @param settings  Kafka client properties, never holding {@code bootstrap.servers}
 */
public record KafkaConnection(String bootstrap, Map<String, String> settings) {
    public KafkaConnection {
        Objects.requireNonNull(bootstrap, "bootstrap");
        settings = Map.copyOf(settings);
        if (settings.containsKey(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)) {
            throw new IllegalArgumentException("bootstrap.servers belongs in the bootstrap argument, not in the settings");
        }
    }

    /** A cluster that needs no settings, such as the local broker of the demo and the tests. */
    public static KafkaConnection to(String bootstrap) {
        return new KafkaConnection(bootstrap, Map.of());
    }

    /**
     * Client properties: {@code defaults} (the client's own choices), then these settings, then bootstrap.servers.
     * Callers put what their design fixes on top.
     */
    public Properties properties(Map<String, ?> defaults) {
        Properties p = new Properties();
        p.putAll(defaults);
        p.putAll(settings);
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return p;
    }

    /** {@link #properties(Map)} with no defaults. */
    public Properties properties() {
        return properties(Map.of());
    }

    /** Names the settings but not their values, which may be secrets. */
    @Override
    public String toString() {
        return "KafkaConnection[" + bootstrap + (settings.isEmpty() ? "" : ", settings " + new java.util.TreeSet<>(settings.keySet())) + "]";
    }
}
