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
    void aSaslUserGetsAListenerThatAdmitsTheClientFileItIsGiven(@TempDir Path dir) throws Exception {
        BrokerCommand command = new BrokerCommand();
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(new StringWriter(), true));
        Thread t = new Thread(() -> cl.execute("--port", "0", "--dir", dir.toString(), "--sasl-user", "quant=s3cret"), "broker-command");
        t.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
            java.util.regex.Pattern line = java.util.regex.Pattern.compile("login as quant: --bootstrap (\\S+) --kafka-config (\\S+)");
            java.util.regex.Matcher m = line.matcher(out.toString());
            while (!m.find() && t.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
                m = line.matcher(out.toString());
            }
            assertTrue(m.find(0), out::toString);
            java.util.Properties p = org.apache.kafka.common.utils.Utils.loadProps(m.group(2));
            p.put("bootstrap.servers", m.group(1));
            try (Admin admin = Admin.create(p)) {
                assertEquals(1, admin.describeCluster().nodes().get(20, TimeUnit.SECONDS).size());
            }
            // The same listener refuses another password.
            p.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"quant\" password=\"no\";");
            try (Admin admin = Admin.create(p)) {
                java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
                        () -> admin.describeCluster().nodes().get(20, TimeUnit.SECONDS));
                assertTrue(e.getCause() instanceof org.apache.kafka.common.errors.SaslAuthenticationException, e.toString());
            }
        } finally {
            command.requestStop();
            t.join(TimeUnit.SECONDS.toMillis(30));
        }
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
