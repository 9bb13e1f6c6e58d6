package io.jwsgi.config;

import static io.jwsgi.config.StartServerSettings.HSTS_POLICY;
import static io.jwsgi.config.StartServerSettings.HTTP2;
import static io.jwsgi.config.StartServerSettings.HTTPS_ONLY;
import static io.jwsgi.config.StartServerSettings.HTTPS_PORT;
import static io.jwsgi.config.StartServerSettings.SSL_PORT;
import static io.jwsgi.config.StartServerSettings.SSL_CA_CERTIFICATE_FILE;
import static io.jwsgi.config.StartServerSettings.SSL_CERTIFICATE;
import static io.jwsgi.config.StartServerSettings.SSL_CERTIFICATE_CHAIN_FILE;
import static io.jwsgi.config.StartServerSettings.SSL_CERTIFICATE_FILE;
import static io.jwsgi.config.StartServerSettings.SSL_CERTIFICATE_KEY_FILE;
import static io.jwsgi.config.StartServerSettings.SSL_ENVIRONMENT;
import static io.jwsgi.config.StartServerSettings.SSL_VERIFY_CLIENT;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Builds {@link Protocols} from the HTTPS and HTTP/2 options. The rules are mod_wsgi-express 6's: an SSL option
 * without {@code --https-port} is an error, and {@code --https-port} needs a certificate and its key. The files
 * are checked for existence here; their contents are read when the listener is built (a PEM that cannot be read
 * fails the start with a message naming the file).
 */
final class ProtocolsResolver {
    private static final List<Setting<?>> NEED_HTTPS_PORT = List.of(SSL_CERTIFICATE_FILE, SSL_CERTIFICATE_KEY_FILE,
            SSL_CERTIFICATE, SSL_CERTIFICATE_CHAIN_FILE, SSL_CA_CERTIFICATE_FILE, SSL_VERIFY_CLIENT, SSL_ENVIRONMENT,
            HTTPS_ONLY, HSTS_POLICY);

    private ProtocolsResolver() {}

    static Protocols resolve(Arguments args, Path cwd) {
        boolean http2 = args.isGiven(HTTP2);
        // --ssl-port is mod_wsgi-express's older spelling; --https-port wins when both are given.
        Setting<Integer> portSetting = args.isGiven(HTTPS_PORT) || !args.isGiven(SSL_PORT) ? HTTPS_PORT : SSL_PORT;
        if (!args.isGiven(portSetting)) {
            for (Setting<?> setting : NEED_HTTPS_PORT) {
                if (args.isGiven(setting)) {
                    throw new ConfigException(setting.flag() + ": needs --https-port (there is no HTTPS listener)");
                }
            }
            return new Protocols(http2, null);
        }
        // --ssl-certificate STEM stands for STEM.crt and STEM.key; an explicit file option wins over it.
        Path stem = args.value(SSL_CERTIFICATE);
        Path certificate = args.value(SSL_CERTIFICATE_FILE);
        Path key = args.value(SSL_CERTIFICATE_KEY_FILE);
        if (certificate == null && stem != null) certificate = Path.of(stem + ".crt");
        if (key == null && stem != null) key = Path.of(stem + ".key");
        if (certificate == null) {
            throw new ConfigException(portSetting.flag() + ": needs a certificate: give " + SSL_CERTIFICATE_FILE.flag()
                    + " and " + SSL_CERTIFICATE_KEY_FILE.flag() + " (or " + SSL_CERTIFICATE.flag() + ")");
        }
        if (key == null) {
            throw new ConfigException(portSetting.flag() + ": needs the certificate's private key: give "
                    + SSL_CERTIFICATE_KEY_FILE.flag());
        }
        boolean httpsOnly = args.isGiven(HTTPS_ONLY);
        String hsts = args.value(HSTS_POLICY);
        if (hsts != null && !httpsOnly) {
            // mod_wsgi-express sends the policy only with --https-only and ignores it otherwise; saying so beats
            // a header the user expects and never gets.
            throw new ConfigException(HSTS_POLICY.flag() + ": needs --https-only (the policy is sent only when "
                    + "plain HTTP is redirected to HTTPS)");
        }
        Path ca = file(args.value(SSL_CA_CERTIFICATE_FILE), SSL_CA_CERTIFICATE_FILE, cwd);
        List<String> verifyUrls = args.values(SSL_VERIFY_CLIENT);
        if (!verifyUrls.isEmpty() && ca == null) {
            throw new ConfigException(SSL_VERIFY_CLIENT.flag() + ": needs " + SSL_CA_CERTIFICATE_FILE.flag()
                    + " (the CAs client certificates are checked against)");
        }
        return new Protocols(http2, new Protocols.Https(
                args.value(portSetting),
                file(certificate, stem != null && !args.isGiven(SSL_CERTIFICATE_FILE) ? SSL_CERTIFICATE
                        : SSL_CERTIFICATE_FILE, cwd),
                file(key, stem != null && !args.isGiven(SSL_CERTIFICATE_KEY_FILE) ? SSL_CERTIFICATE
                        : SSL_CERTIFICATE_KEY_FILE, cwd),
                file(args.value(SSL_CERTIFICATE_CHAIN_FILE), SSL_CERTIFICATE_CHAIN_FILE, cwd),
                ca,
                verifyUrls,
                args.isGiven(SSL_ENVIRONMENT),
                httpsOnly,
                hsts));
    }

    private static Path file(Path given, Setting<?> setting, Path cwd) {
        if (given == null) return null;
        Path path = cwd.resolve(given).normalize();
        if (!Files.exists(path)) {
            throw new ConfigException(setting.flag() + ": file not found: " + path);
        }
        if (!Files.isRegularFile(path)) {
            throw new ConfigException(setting.flag() + ": not a regular file: " + path);
        }
        if (!Files.isReadable(path)) {
            throw new ConfigException(setting.flag() + ": cannot read " + path + " (permission denied)");
        }
        return path;
    }
}
