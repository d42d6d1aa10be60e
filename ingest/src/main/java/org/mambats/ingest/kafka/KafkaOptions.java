package org.mambats.ingest.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * Where a command's Kafka is and how to talk to it, declared once for every command that opens Kafka clients
 * ({@code publish}, {@code stream}, {@code sink}, {@code serve}); used as a picocli {@code @Mixin}. A production
 * cluster needs security settings, and these come the way Kafka's own tools take them: a properties file
 * ({@code --kafka-config}, like their {@code --command-config}) and single settings on top ({@code --kafka-property}).
 * They reach every client the command opens, Kafka Streams' internal ones included.
 *
 * <p>A setting the command has its own option for (its application id, consumer group, ...) or whose value its
 * design fixes is refused with the reason, rather than silently overridden. Names no Kafka client knows are passed on
 * (plug-ins read their own) with one warning, since a misspelt security setting otherwise shows up only as a
 * connection that never authenticates.
 */
public final class KafkaOptions {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaOptions.class);
    /** Kafka Streams' prefixes for settings meant for one of its clients. */
    private static final List<String> CLIENT_PREFIXES = List.of(StreamsConfig.MAIN_CONSUMER_PREFIX, StreamsConfig.RESTORE_CONSUMER_PREFIX,
            StreamsConfig.GLOBAL_CONSUMER_PREFIX, StreamsConfig.CONSUMER_PREFIX, StreamsConfig.PRODUCER_PREFIX, StreamsConfig.ADMIN_CLIENT_PREFIX);

    @Option(names = "--bootstrap", defaultValue = "127.0.0.1:9092", description = "Kafka bootstrap servers (default ${DEFAULT-VALUE}).")
    String bootstrap;
    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Kafka client settings as a Java properties file, for every Kafka client the command opens: security "
                    + "(security.protocol, sasl.*, ssl.*) and tuning; config providers (${file:...}) keep secrets out of it.")
    Path configFile;
    @Option(names = "--kafka-property", paramLabel = "KEY=VALUE",
            description = "One Kafka client setting, repeatable; wins over --kafka-config.")
    Map<String, String> properties = new LinkedHashMap<>();

    public KafkaOptions() {
    }

    /** Options as if given on the command line (for callers that build a command in code). */
    public KafkaOptions(String bootstrap, Path configFile, Map<String, String> properties) {
        this.bootstrap = bootstrap;
        this.configFile = configFile;
        this.properties = new LinkedHashMap<>(properties);
    }

    public String bootstrap() {
        return bootstrap;
    }

    /**
     * The connection these options describe.
     *
     * @param owned settings this command decides, each mapped to why (its option, or the design that fixes it); a
     *              setting among them, with or without a Kafka Streams client prefix, is refused
     * @throws IllegalArgumentException naming the setting and its source, for an owned setting or an unreadable file
     */
    public KafkaConnection connection(Map<String, String> owned) {
        Map<String, String> settings = new LinkedHashMap<>();
        Map<String, String> source = new LinkedHashMap<>();
        if (configFile != null) {
            if (!Files.isRegularFile(configFile)) {
                throw new IllegalArgumentException("--kafka-config " + configFile + ": no such file");
            }
            try {
                Utils.loadProps(configFile.toString()).forEach((k, v) -> {
                    settings.put((String) k, (String) v);
                    source.put((String) k, "--kafka-config " + configFile);
                });
            } catch (IOException e) {
                throw new UncheckedIOException("--kafka-config " + configFile + ": " + e.getMessage(), e);
            }
        }
        properties.forEach((k, v) -> {
            settings.put(k, v);
            source.put(k, "--kafka-property");
        });
        for (String key : settings.keySet()) {
            String name = withoutClientPrefix(key);
            if (name.equals(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)) {
                throw new IllegalArgumentException(source.get(key) + " sets " + key + ": give the servers with --bootstrap instead");
            }
            String why = owned.get(name);
            if (why != null) {
                throw new IllegalArgumentException(source.get(key) + " sets " + key + ", which this command decides: " + why);
            }
        }
        Set<String> unknown = new TreeSet<>();
        for (String key : settings.keySet()) {
            if (!key.startsWith(StreamsConfig.TOPIC_PREFIX) && !KNOWN.contains(withoutClientPrefix(key))) {
                unknown.add(key);
            }
        }
        if (!unknown.isEmpty()) {
            LOG.warn("Kafka settings that no Kafka client knows, passed on as given (a plug-in may read them; a misspelling will "
                    + "not be used): {}", unknown);
        }
        return new KafkaConnection(bootstrap, settings);
    }

    /** {@link #connection(Map)} for a command that owns no settings beyond the bootstrap servers. */
    public KafkaConnection connection() {
        return connection(Map.of());
    }

    static String withoutClientPrefix(String key) {
        for (String prefix : CLIENT_PREFIXES) {
            if (key.startsWith(prefix)) {
                return key.substring(prefix.length());
            }
        }
        return key;
    }

    private static final Set<String> KNOWN = known();

    private static Set<String> known() {
        Set<String> names = new HashSet<>();
        names.addAll(ProducerConfig.configNames());
        names.addAll(ConsumerConfig.configNames());
        names.addAll(AdminClientConfig.configNames());
        names.addAll(StreamsConfig.configDef().names());
        return names;
    }
}
