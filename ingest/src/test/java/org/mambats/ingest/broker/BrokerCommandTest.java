package org.mambats.ingest.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/** {@code mamba-ts broker}, with the broker in-process (this JVM). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BrokerCommandTest {

    @Test
    void helpListsTheOptions() {
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(new BrokerCommand());
        cl.setOut(new PrintWriter(out, true));
        assertEquals(0, cl.execute("--help"));
        String help = out.toString();
        assertTrue(help.contains("--port") && help.contains("--dir") && help.contains("9092")
                && help.contains("work/kafka"), help);
    }

    @Test
    void runsInTheForegroundUntilStopped(@TempDir Path dir) throws Exception {
        BrokerCommand command = new BrokerCommand();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        AtomicInteger rc = new AtomicInteger(-1);
        Thread t = new Thread(() -> rc.set(cl.execute("--port", "0", "--dir", dir.toString())), "broker-command");
        t.start();

        KafkaBroker broker;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
            while (command.runningBroker() == null && t.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            broker = command.runningBroker();
            assertNotNull(broker, () -> "not started; out: " + out + " err: " + err);
            assertEquals(KafkaBroker.Mode.IN_PROCESS, broker.mode());
            String bootstrap = broker.bootstrapServers();
            // The broker is registered a moment before the command prints its address: wait for the line.
            while (!out.toString().contains("bootstrap.servers=") && t.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(out.toString().contains("bootstrap.servers=" + bootstrap), out::toString);
            try (Admin admin = broker.newAdmin()) {
                assertEquals(1, admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size());
            }
        } finally {
            // Always stop the in-process broker: one left running when @TempDir deletes its log directory makes
            // Kafka halt the whole test JVM.
            command.requestStop();
            t.join(TimeUnit.SECONDS.toMillis(30));
        }
        assertFalse(t.isAlive());
        assertEquals(0, rc.get(), err::toString);
        assertFalse(broker.isRunning());
        assertTrue(err.toString().contains("stopped"), err::toString);
    }

    @Test
    void portInUseFailsWithExitCode1(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName(KafkaBroker.HOST))) {
            StringWriter err = new StringWriter();
            CommandLine cl = new CommandLine(new BrokerCommand());
            cl.setOut(new PrintWriter(new StringWriter(), true));
            cl.setErr(new PrintWriter(err, true));
            int rc = cl.execute("--port", Integer.toString(taken.getLocalPort()), "--dir", dir.toString());
            assertEquals(1, rc, err::toString);
            assertTrue(err.toString().contains("already in use"), err::toString);
        }
    }
}
