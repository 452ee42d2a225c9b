package io.killkrill.service;

import io.killkrill.config.CommonSettings;
import io.killkrill.config.Config;
import io.killkrill.config.ConfigDef;
import io.killkrill.config.ConfigException;
import io.killkrill.config.Environment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;

/**
 * The one {@code main} of every service:
 * <ol>
 *   <li>load the settings (environment, {@code KILLKRILL_CONFIG_FILE}), validate all of them; any problem: print
 *       each, naming its variable, exit {@value ExitStatus#CONFIG_ERROR};</li>
 *   <li>log the effective configuration, secrets masked, and a warning per deprecated name used;</li>
 *   <li>install the SIGTERM/SIGINT handler, <em>before</em> the service binds a port or logs that it listens;</li>
 *   <li>{@link Service#start()}; a failure exits {@value ExitStatus#INCOMPATIBLE_CONTRACT} (incompatible
 *       schema or key), {@value ExitStatus#CONFIG_ERROR} (a setting refused by the service) or
 *       {@value ExitStatus#START_FAILED} (anything else), with a one-line reason;</li>
 *   <li>wait until {@link Service#health()} is up, at most {@code KILLKRILL_STARTUP_TIMEOUT} (else exit
 *       {@value ExitStatus#START_FAILED} naming the failing checks);</li>
 *   <li>wait for the stop signal, {@link Service#stop} with {@code KILLKRILL_SHUTDOWN_GRACE}, exit
 *       {@value ExitStatus#STOPPED}.</li>
 * </ol>
 * The one-line reason goes to stderr as {@code <service>: refusing to start (exit N): <reason>}.
 */
public final class ServiceMain {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceMain.class);
    private static final long READY_POLL_MILLIS = 200;
    /** Not ready this long after start: say what is awaited (a store that is merely slow to answer is not news). */
    private static final Duration WAITING_LOG_AFTER = Duration.ofSeconds(5);

    /** Makes the service from its validated settings; throws {@link ConfigException} for settings it refuses. */
    @FunctionalInterface
    public interface ServiceFactory {
        Service create(Config config, Map<String, String> environment);
    }

    private ServiceMain() {
    }

    /** Runs the service of {@code definition} and exits the JVM with its {@link ExitStatus}. */
    public static void run(ConfigDef definition, ServiceFactory factory) {
        int status = runUntilStopped(definition, factory, System.getenv());
        System.out.flush();
        System.err.flush();
        System.exit(status);
    }

    /** Everything {@link #run} does except exiting the JVM: returns the exit status. */
    public static int runUntilStopped(ConfigDef definition, ServiceFactory factory,
                                      Map<String, String> processEnvironment) {
        String name = definition.service();
        Config config;
        Service service;
        try {
            Map<String, String> environment = Environment.load(processEnvironment);
            config = definition.parse(environment);
            LOG.info("{} starting with configuration:\n{}", name, config.describe());
            config.warnings().forEach(warning -> LOG.warn("configuration: {}", warning));
            service = factory.create(config, environment);
        } catch (ConfigException e) {
            System.err.println(name + ": refusing to start, " + e.getMessage());
            return ExitStatus.CONFIG_ERROR;
        }
        Duration grace = config.get(CommonSettings.SHUTDOWN_GRACE);
        Duration startupTimeout = config.get(CommonSettings.STARTUP_TIMEOUT);
        StopSignal stop = StopSignal.install();
        try {
            service.start();
        } catch (Exception e) {
            int status = statusOf(e);
            refuse(name, status, oneLine(e), status == ExitStatus.START_FAILED ? e : null);
            service.stop(Duration.ZERO);
            return status;
        }
        try {
            if (!awaitReady(service, stop, startupTimeout)) {
                String failing = service.health().describeFailing();
                refuse(name, ExitStatus.START_FAILED, "not ready after " + startupTimeout + " ("
                        + CommonSettings.STARTUP_TIMEOUT.key() + "), failing: " + failing, null);
                service.stop(grace);
                return ExitStatus.START_FAILED;
            }
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IncompatibleContractException e) {
            refuse(name, ExitStatus.INCOMPATIBLE_CONTRACT, oneLine(e), null);
            service.stop(Duration.ZERO);
            return ExitStatus.INCOMPATIBLE_CONTRACT;
        }
        LOG.info("{} stopping (grace {})", name, grace);
        service.stop(grace);
        LOG.info("{} stopped", name);
        return ExitStatus.STOPPED;
    }

    /** Whether the service became ready (true also when a stop was requested first: that is a clean stop). */
    private static boolean awaitReady(Service service, StopSignal stop, Duration timeout) throws InterruptedException {
        long started = System.nanoTime();
        long deadline = started + timeout.toNanos();
        boolean loggedWaiting = false;
        while (!stop.requested()) {
            Health health = service.health();
            if (health.isUp()) {
                LOG.info("{} ready", service.name());
                return true;
            }
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            if (!loggedWaiting && System.nanoTime() - started > WAITING_LOG_AFTER.toNanos()) {
                LOG.warn("{} not ready yet, failing: {}; waiting up to {}", service.name(), health.describeFailing(),
                        timeout);
                loggedWaiting = true;
            }
            stop.await(READY_POLL_MILLIS);
        }
        return true;
    }

    static int statusOf(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof IncompatibleContractException) {
                return ExitStatus.INCOMPATIBLE_CONTRACT;
            }
            if (t instanceof ConfigException) {
                return ExitStatus.CONFIG_ERROR;
            }
        }
        return ExitStatus.START_FAILED;
    }

    /** The failure in one line: its message (the first line of it), and the root cause when that says more. */
    static String oneLine(Throwable failure) {
        Throwable shown = failure;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof IncompatibleContractException || t instanceof ConfigException) {
                shown = t;
                break;
            }
        }
        String text = firstLine(shown);
        Throwable root = shown;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != shown) {
            String rootText = firstLine(root);
            if (!text.contains(rootText)) {
                text = text + ": " + rootText;
            }
        }
        return text;
    }

    private static String firstLine(Throwable t) {
        String message = t.getMessage();
        if (message == null || message.isBlank()) {
            return t.getClass().getSimpleName();
        }
        if (t instanceof ConfigException) {
            return message.replace("\n  - ", " ").replace('\n', ' ');
        }
        int newline = message.indexOf('\n');
        return (newline < 0 ? message : message.substring(0, newline)).trim();
    }

    private static void refuse(String name, int status, String reason, Throwable forTheLog) {
        if (forTheLog != null) {
            LOG.error("{} failed to start: {}", name, reason, forTheLog);
        } else {
            LOG.error("{} refusing to start: {}", name, reason);
        }
        System.err.println(name + ": refusing to start (exit " + status + "): " + reason);
        System.err.flush();
    }
}
