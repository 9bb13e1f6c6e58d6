package io.jwsgi.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates made at test time with the openssl command line: a root CA, an intermediate CA, a server
 * certificate for localhost and 127.0.0.1 issued by the intermediate ({@link #fullChain} is leaf + intermediate,
 * as certbot's fullchain.pem), a client certificate issued directly by the root, one issued by the intermediate
 * (too deep for SSLVerifyDepth 1), and one from an unrelated CA.
 */
public final class TestCertificates {
    public final Path dir;
    public final Path caCert;
    public final Path intermediateCert;
    public final Path serverCert;
    public final Path serverKey;
    public final Path fullChain;
    public final Path clientCert;
    public final Path clientKey;
    public final Path deepClientChain;
    public final Path deepClientKey;
    public final Path strangerCert;
    public final Path strangerKey;

    private TestCertificates(Path dir) {
        this.dir = dir;
        caCert = dir.resolve("ca.crt");
        intermediateCert = dir.resolve("intermediate.crt");
        serverCert = dir.resolve("server.crt");
        serverKey = dir.resolve("server.key");
        fullChain = dir.resolve("fullchain.pem");
        clientCert = dir.resolve("client.crt");
        clientKey = dir.resolve("client.key");
        deepClientChain = dir.resolve("deep-client-chain.pem");
        deepClientKey = dir.resolve("deep-client.key");
        strangerCert = dir.resolve("stranger.crt");
        strangerKey = dir.resolve("stranger.key");
    }

    public static TestCertificates create(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        TestCertificates c = new TestCertificates(dir);
        String ca = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n";
        Files.writeString(dir.resolve("ca.ext"), ca);
        Files.writeString(dir.resolve("server.ext"), "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
                + "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
        Files.writeString(dir.resolve("client.ext"), "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n");

        openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
                "-days", "2", "-subj", "/CN=jwsgi test root CA", "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        issue(dir, "intermediate", "rsa:2048", "/CN=jwsgi test intermediate CA", "ca", "ca.ext");
        issue(dir, "server", "rsa:2048", "/CN=localhost", "intermediate", "server.ext");
        issue(dir, "client", "ec", "/O=jwsgi/CN=client one", "ca", "client.ext");
        issue(dir, "deep-client", "ec", "/CN=deep client", "intermediate", "client.ext");
        openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "stranger.key", "-out",
                "stranger.crt", "-days", "2", "-subj", "/CN=stranger");
        Files.writeString(c.fullChain, Files.readString(c.serverCert) + Files.readString(c.intermediateCert));
        Files.writeString(c.deepClientChain, Files.readString(dir.resolve("deep-client.crt"))
                + Files.readString(c.intermediateCert));
        return c;
    }

    /** A new key and server certificate for localhost issued by the intermediate (a renewal): NAME.crt, NAME.key. */
    public Path[] issueServer(String name) throws IOException, InterruptedException {
        issue(dir, name, "rsa:2048", "/CN=localhost", "intermediate", "server.ext");
        return new Path[] {dir.resolve(name + ".crt"), dir.resolve(name + ".key")};
    }

    /** A key and CSR for {@code name}, the certificate issued by {@code issuer} with the extensions file. */
    private static void issue(Path dir, String name, String keySpec, String subject, String issuer, String ext)
            throws IOException, InterruptedException {
        List<String> req = new ArrayList<>(List.of("req", "-newkey", keySpec.startsWith("ec") ? "ec" : keySpec));
        if (keySpec.startsWith("ec")) req.addAll(List.of("-pkeyopt", "ec_paramgen_curve:P-256"));
        req.addAll(List.of("-nodes", "-keyout", name + ".key", "-out", name + ".csr", "-subj", subject));
        openssl(dir, req.toArray(String[]::new));
        openssl(dir, "x509", "-req", "-in", name + ".csr", "-CA", issuer + ".crt", "-CAkey", issuer + ".key",
                "-CAcreateserial", "-CAserial", issuer + ".srl", "-out", name + ".crt", "-days", "2",
                "-extfile", ext);
    }

    /** Runs {@code openssl ARGS} in {@code dir}; fails with its output when it does. */
    public static String openssl(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("openssl " + String.join(" ", args) + " failed:\n" + out);
        }
        return out;
    }
}
