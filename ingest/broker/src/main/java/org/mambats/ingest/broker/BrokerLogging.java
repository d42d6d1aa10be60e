package org.mambats.ingest.broker;

import java.lang.reflect.Method;
import java.util.List;

import org.slf4j.LoggerFactory;

/**
 * Keeps the broker's own loggers at WARN in whatever JVM runs broker code (the in-process broker, and StorageTool's
 * format step, which runs in the starting JVM in either mode). Kafka 4 logs through slf4j, so the effect depends on
 * the slf4j provider on the class path:
 * <ul>
 *   <li>slf4j-simple (the mamba-ts CLI, our tests): a per-logger system property, set only if not already set,
 *   so {@code -Dorg.slf4j.simpleLogger.log.kafka=info} still wins;</li>
 *   <li>log4j2 (log4j-slf4j2-impl): {@code Configurator.setLevel}, found reflectively;</li>
 *   <li>anything else: left alone.</li>
 * </ul>
 * Only broker-side logger names are touched; client loggers ({@code org.apache.kafka.clients},
 * {@code org.apache.kafka.streams}, {@code org.apache.kafka.common}) keep the host application's settings.
 */
final class BrokerLogging {

    /** Logger name prefixes used by the broker and controller, not by clients. */
    static final List<String> BROKER_LOGGERS = List.of(
            "kafka", "state.change.logger",
            "org.apache.kafka.raft", "org.apache.kafka.controller", "org.apache.kafka.image",
            "org.apache.kafka.metadata", "org.apache.kafka.server", "org.apache.kafka.storage",
            "org.apache.kafka.coordinator", "org.apache.kafka.queue", "org.apache.kafka.snapshot",
            "org.apache.kafka.security", "org.apache.kafka.network", "org.apache.kafka.deferred",
            "org.apache.kafka.timeline");

    private static volatile boolean done;

    private BrokerLogging() {
    }

    static synchronized void quietBrokerLoggers() {
        if (done) {
            return;
        }
        done = true;
        for (String name : BROKER_LOGGERS) {
            String key = "org.slf4j.simpleLogger.log." + name;
            if (System.getProperty(key) == null) {
                System.setProperty(key, "warn");
            }
        }
        String factory = LoggerFactory.getILoggerFactory().getClass().getName();
        if (factory.startsWith("org.apache.logging.")) {
            try {
                Class<?> level = Class.forName("org.apache.logging.log4j.Level");
                Object warn = level.getField("WARN").get(null);
                Method setLevel = Class.forName("org.apache.logging.log4j.core.config.Configurator")
                        .getMethod("setLevel", String.class, level);
                for (String name : BROKER_LOGGERS) {
                    setLevel.invoke(null, name, warn);
                }
            } catch (ReflectiveOperationException | LinkageError e) {
                LoggerFactory.getLogger(BrokerLogging.class).debug("Cannot set log4j2 levels", e);
            }
        }
    }
}
