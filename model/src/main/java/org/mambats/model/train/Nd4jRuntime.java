package org.mambats.model.train;

/**
 * Start-up of the ND4J CPU backend, shared by the training classes.
 *
 * <p>ND4J logs about fifteen INFO lines (backend, BLAS vendor, build flags) when it starts, through SLF4J. When an
 * application uses slf4j-simple, {@link #quietLogging()} lowers the {@code org.nd4j} loggers to WARN unless the user
 * chose a level with {@code -Dorg.slf4j.simpleLogger.log.org.nd4j=...}. Under another SLF4J provider configure the
 * {@code org.nd4j} category there; without any provider SLF4J prints its own three-line "no providers" warning.
 *
 * <p>The first start in a fresh user account unpacks the native libraries (about 400 MB, mostly libnd4jcpu.so)
 * into {@code ~/.javacpp/cache} (about 2 s); later starts take about 0.5 s.
 */
public final class Nd4jRuntime {
    static final String ND4J_LOG_LEVEL = "org.slf4j.simpleLogger.log.org.nd4j";
    static final String MAX_PHYSICAL_BYTES = "org.bytedeco.javacpp.maxphysicalbytes";

    private Nd4jRuntime() {
    }

    /**
     * Call before ND4J starts (a static initialiser of each class that uses it): {@link #quietLogging()}, and no
     * physical-memory check on each native allocation. JavaCPP, under ND4J, by default reads /proc/self/statm
     * on every allocation and deallocation, holding one lock for the whole process: in a two-worker backtest that
     * was 1.4 million reads and most of 2 million contended futex calls, and the two workers' CPU grew by a
     * third over one worker's. The JVM's own heap limit and the operating system still bound memory;
     * {@code -Dorg.bytedeco.javacpp.maxphysicalbytes=...} sets a limit again.
     */
    public static void beforeStart() {
        quietLogging();
        try {
            if (System.getProperty(MAX_PHYSICAL_BYTES) == null) {
                System.setProperty(MAX_PHYSICAL_BYTES, "0");
            }
        } catch (SecurityException ignored) {
            // leave JavaCPP as configured
        }
    }

    /** Sets the slf4j-simple level of {@code org.nd4j} to WARN unless already set. Call before ND4J starts. */
    static void quietLogging() {
        try {
            if (System.getProperty(ND4J_LOG_LEVEL) == null) {
                System.setProperty(ND4J_LOG_LEVEL, "warn");
            }
        } catch (SecurityException ignored) {
            // leave logging as configured
        }
    }
}
