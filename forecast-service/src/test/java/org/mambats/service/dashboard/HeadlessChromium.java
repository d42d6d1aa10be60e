package org.mambats.service.dashboard;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.mambats.testsupport.DebianPackages;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's Chromium driven through Debian's chromedriver (same version by construction). The driver path is given
 * explicitly, so Selenium never tries to download a browser or a driver.
 */
final class HeadlessChromium {
    static final Path BROWSER = Path.of("/usr/bin/chromium");
    static final Path DRIVER = Path.of("/usr/bin/chromedriver");

    private HeadlessChromium() {
    }

    /** Null when the browser is ready (installing it if needed and possible), else why not. */
    static String prepare() {
        return DebianPackages.ensure(List.of(BROWSER, DRIVER), "chromium", "chromium-driver");
    }

    static ChromeDriver start(Path profile) throws java.io.IOException {
        // Selenium looks for a DevTools binding matching the browser version and warns when it has none; we do not use DevTools.
        java.util.logging.Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder").setLevel(java.util.logging.Level.OFF);
        java.util.logging.Logger.getLogger("org.openqa.selenium.chromium.ChromiumDriver").setLevel(java.util.logging.Level.OFF);
        Files.createDirectories(profile);
        ChromeOptions o = new ChromeOptions();
        o.setBinary(BROWSER.toFile());
        // Headless, no sandbox (CI runs as root), and none of Chromium's background calls to Google's servers:
        // this machine has no network but loopback and the package mirrors.
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-default-apps", "--window-size=1400,1300", "--user-data-dir=" + profile.toAbsolutePath());
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).usingAnyFreePort().build();
        return new ChromeDriver(service, o);
    }
}
