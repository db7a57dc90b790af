package io.wsrelay.relay;

import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Chromium from the Debian packages ({@code /usr/bin/chromium}, {@code /usr/bin/chromedriver};
 * {@code .ci/install-chromium.sh} installs them), headless, with a fresh profile, driven through
 * Selenium. Closing it quits the browser and deletes the profile.
 */
final class HeadlessChromium implements AutoCloseable {

    static final Path BROWSER = Path.of("/usr/bin/chromium");
    static final Path DRIVER = Path.of("/usr/bin/chromedriver");

    private final Path profile;
    private final ChromeDriver driver;

    private HeadlessChromium(Duration scriptTimeout) throws IOException {
        if (!Files.isExecutable(BROWSER) || !Files.isExecutable(DRIVER)) {
            throw new IllegalStateException(BROWSER + " and " + DRIVER + " are needed for browser tests;"
                    + " install them with .ci/install-chromium.sh (apt-get install chromium chromium-driver)");
        }
        profile = Files.createTempDirectory("wsrelay-chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BROWSER.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort()
                .build();
        try {
            driver = new ChromeDriver(service, options);
        } catch (RuntimeException e) {
            deleteProfile();
            throw e;
        }
        driver.manage().timeouts().scriptTimeout(scriptTimeout).pageLoadTimeout(scriptTimeout);
    }

    /**
     * Starts the browser.
     *
     * @param scriptTimeout bound on page loads and on {@link #awaitPromise}
     * @throws IllegalStateException if Chromium or its driver is not installed
     */
    static HeadlessChromium start(Duration scriptTimeout) throws IOException {
        return new HeadlessChromium(scriptTimeout);
    }

    /** Loads {@code page} and waits until its document is complete. */
    void open(URI page, Duration timeout) {
        driver.get(page.toString());
        new WebDriverWait(driver, timeout).until(d ->
                "complete".equals(((JavascriptExecutor) d).executeScript("return document.readyState")));
    }

    /**
     * Waits, at most the script timeout, for the page's {@code window[global]} promise and returns
     * its value as JSON text.
     */
    String awaitPromise(String global) {
        Object json = driver.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                Promise.resolve(window[arguments[0]]).then(
                    (value) => done(JSON.stringify(value)),
                    (error) => done(JSON.stringify({pageError: String(error)})));
                """, global);
        return String.valueOf(json);
    }

    @Override
    public void close() throws IOException {
        try {
            driver.quit();
        } finally {
            deleteProfile();
        }
    }

    private void deleteProfile() throws IOException {
        try (Stream<Path> files = Files.walk(profile)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
    }
}
