package org.mambats.ingest.broker;

import java.util.Optional;

/**
 * Entry point of the child JVM that {@link KafkaBroker} launches: {@code BrokerMain server.properties [--override k=v]*}.
 *
 * <p>It arms a watchdog and then hands over to {@code kafka.Kafka.main} unchanged. The watchdog exits this JVM (through
 * {@code System.exit}, so Kafka's own shutdown hook still runs a controlled shutdown) as soon as the JVM named by the
 * system property {@value #PARENT_PID_PROPERTY} is gone: a test run that crashes or is killed leaves no orphan broker
 * holding ports and CPU behind. Without the property this is just {@code kafka.Kafka}.
 */
public final class BrokerMain {

    /** System property: pid of the JVM whose exit stops this broker. */
    public static final String PARENT_PID_PROPERTY = "mambats.broker.parentPid";

    private BrokerMain() {
    }

    /** Starts the line the child writes to its log with its Java version. */
    static final String JAVA_LINE_PREFIX = "mamba-ts broker: Java ";

    public static void main(String[] args) {
        // First line of the child's log: which Java it runs on (the parent's, java.home; tests check it).
        System.err.println(JAVA_LINE_PREFIX + Runtime.version() + " at " + System.getProperty("java.home"));
        String parent = System.getProperty(PARENT_PID_PROPERTY);
        if (parent != null && !parent.isBlank()) {
            long pid = Long.parseLong(parent.trim());
            Optional<ProcessHandle> handle = ProcessHandle.of(pid);
            if (handle.isEmpty() || !handle.get().isAlive()) {
                System.err.println("mamba-ts broker: parent process " + pid + " is gone; not starting");
                System.exit(3);
            }
            Thread watchdog = new Thread(() -> {
                handle.get().onExit().join();
                System.err.println("mamba-ts broker: parent process " + pid + " exited; shutting down");
                System.exit(0);
            }, "mambats-parent-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
        }
        kafka.Kafka.main(args);
    }
}
