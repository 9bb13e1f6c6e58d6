package io.jwsgi.config;

import static io.jwsgi.config.StartServerSettings.BODY_MAX_TIMEOUT;
import static io.jwsgi.config.StartServerSettings.BODY_MIN_RATE;
import static io.jwsgi.config.StartServerSettings.BODY_TIMEOUT;
import static io.jwsgi.config.StartServerSettings.HEADER_MAX_TIMEOUT;
import static io.jwsgi.config.StartServerSettings.HEADER_MIN_RATE;
import static io.jwsgi.config.StartServerSettings.HEADER_TIMEOUT;
import static io.jwsgi.config.StartServerSettings.LIMIT_REQUEST_FIELDS;
import static io.jwsgi.config.StartServerSettings.LIMIT_REQUEST_FIELD_SIZE;
import static io.jwsgi.config.StartServerSettings.LIMIT_REQUEST_LINE;

import java.time.Duration;

/**
 * What a client may send and how slowly: the request-head limits (Apache's LimitRequestLine,
 * LimitRequestFieldSize, LimitRequestFields) and the read timeouts of mod_reqtimeout's RequestReadTimeout, which
 * mod_wsgi-express exposes as {@code --header-timeout} … {@code --body-min-rate}. See docs/reliability.md.
 *
 * @param limitRequestLine      most bytes in the request line (CRLF excluded) → 414
 * @param limitRequestFieldSize most bytes in one header field line (CRLF excluded) → 431
 * @param limitRequestFields    most header field lines → 431
 * @param headerTimeout         time allowed for the request head; zero disables the header timeout
 * @param headerMaxTimeout      the head timeout grows by one second per {@code headerMinRate} bytes, up to this;
 *                              zero: no upper bound
 * @param headerMinRate         bytes per second that earn more time; 0: the timeout never grows
 * @param bodyTimeout           time allowed waiting for the request body; zero disables the body timeout
 * @param bodyMaxTimeout        as headerMaxTimeout, for the body
 * @param bodyMinRate           as headerMinRate, for the body
 */
public record RequestLimits(
        int limitRequestLine,
        int limitRequestFieldSize,
        int limitRequestFields,
        Duration headerTimeout,
        Duration headerMaxTimeout,
        int headerMinRate,
        Duration bodyTimeout,
        Duration bodyMaxTimeout,
        int bodyMinRate) {

    public RequestLimits {
        requireMaxCoversTimeout(headerTimeout, headerMaxTimeout, HEADER_MAX_TIMEOUT, HEADER_TIMEOUT);
        requireMaxCoversTimeout(bodyTimeout, bodyMaxTimeout, BODY_MAX_TIMEOUT, BODY_TIMEOUT);
    }

    /** Built from the command line (the settings are declared in {@link StartServerSettings}). */
    static RequestLimits resolve(Arguments args) {
        return new RequestLimits(
                args.value(LIMIT_REQUEST_LINE),
                args.value(LIMIT_REQUEST_FIELD_SIZE),
                args.value(LIMIT_REQUEST_FIELDS),
                args.value(HEADER_TIMEOUT),
                args.value(HEADER_MAX_TIMEOUT),
                args.value(HEADER_MIN_RATE),
                args.value(BODY_TIMEOUT),
                args.value(BODY_MAX_TIMEOUT),
                args.value(BODY_MIN_RATE));
    }

    /**
     * Time allowed for a stage that has received {@code bytes} so far: the base timeout plus one second per
     * {@code minRate} bytes, capped by {@code max} (mod_reqtimeout's rule). Zero base: no limit (null).
     */
    public static Duration allowance(Duration timeout, Duration max, int minRate, long bytes) {
        if (timeout.isZero()) return null;
        Duration allowed = timeout;
        if (minRate > 0) allowed = allowed.plusMillis(bytes * 1000 / minRate);
        if (!max.isZero() && allowed.compareTo(max) > 0) allowed = max;
        return allowed;
    }

    private static void requireMaxCoversTimeout(Duration timeout, Duration max, Setting<?> maxSetting,
                                                Setting<?> timeoutSetting) {
        if (!max.isZero() && !timeout.isZero() && max.compareTo(timeout) < 0) {
            throw new ConfigException(maxSetting.flag() + ": " + max.toSeconds() + " is less than "
                    + timeoutSetting.flag() + " " + timeout.toSeconds() + " (0 means no maximum)");
        }
    }
}
