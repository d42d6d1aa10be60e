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
 * design fixes is refused with the reason, rather than silently overridden. Names no Kafka client of the command
 * knows are passed on (plug-ins read their own) with one warning, since a misspelt security setting otherwise shows
 * up only as a connection that never authenticates. Kafka Streams' client prefixes ({@code producer.},
 * {@code consumer.}, {@code admin.}, ...) mean something only to the stream (see {@link #streamsConnection}); to the
 * other commands' plain clients they are unknown names.
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
     * The connection of a command whose clients are plain Kafka producers, consumers and admin clients.
     *
     * @param owned settings this command decides, each mapped to why (its option, or the design that fixes it)
     * @throws IllegalArgumentException naming the setting and its source, for an owned setting or a missing file
     */
    public KafkaConnection connection(Map<String, String> owned) {
        return connection(owned, false);
    }

    /** {@link #connection(Map)} for a command that owns no settings beyond the bootstrap servers. */
    public KafkaConnection connection() {
        return connection(Map.of(), false);
    }

    /**
     * The connection of a Kafka Streams application: a setting may carry one of Streams' client prefixes, and an
     * owned setting is refused with or without one.
     */
    public KafkaConnection streamsConnection(Map<String, String> owned) {
        return connection(owned, true);
    }

    private KafkaConnection connection(Map<String, String> owned, boolean streams) {
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
            String name = streams ? withoutClientPrefix(key) : key;
            if (name.equals(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)) {
                throw new IllegalArgumentException(source.get(key) + " sets " + key + ": give the servers with --bootstrap instead");
            }
            String why = owned.get(name);
            if (why != null) {
                throw new IllegalArgumentException(source.get(key) + " sets " + key + ", which this command decides: " + why);
            }
        }
        Set<String> unknown = unknownNames(settings.keySet(), streams);
        if (!unknown.isEmpty()) {
            LOG.warn("Kafka settings that no Kafka client of this command knows, passed on as given (a plug-in may read them; a "
                    + "misspelling will not be used): {}", unknown);
        }
        return new KafkaConnection(bootstrap, settings);
    }

    static String withoutClientPrefix(String key) {
        for (String prefix : CLIENT_PREFIXES) {
            if (key.startsWith(prefix)) {
                return key.substring(prefix.length());
            }
        }
        return key;
    }

    private static final Set<String> KNOWN_TO_CLIENTS = new HashSet<>();
    private static final Set<String> KNOWN_TO_STREAMS = new HashSet<>();

    static {
        KNOWN_TO_CLIENTS.addAll(ProducerConfig.configNames());
        KNOWN_TO_CLIENTS.addAll(ConsumerConfig.configNames());
        KNOWN_TO_CLIENTS.addAll(AdminClientConfig.configNames());
        KNOWN_TO_STREAMS.addAll(KNOWN_TO_CLIENTS);
        KNOWN_TO_STREAMS.addAll(StreamsConfig.configDef().names());
    }

    /** The names among {@code keys} that no client of the command knows: the ones the warning lists. */
    static Set<String> unknownNames(Set<String> keys, boolean streams) {
        Set<String> unknown = new TreeSet<>();
        for (String key : keys) {
            boolean known = streams ? key.startsWith(StreamsConfig.TOPIC_PREFIX) || KNOWN_TO_STREAMS.contains(withoutClientPrefix(key))
                    : KNOWN_TO_CLIENTS.contains(key);
            if (!known) {
                unknown.add(key);
            }
        }
        return unknown;
    }
}
