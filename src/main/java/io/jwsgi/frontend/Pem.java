package io.jwsgi.frontend;

import io.jwsgi.config.ConfigException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the PEM files of an HTTPS listener (as certbot and openssl write them) with the JDK alone, into the
 * key stores Jetty's {@code SslContextFactory} takes. Private keys: PKCS#8 ({@code BEGIN PRIVATE KEY}: RSA,
 * EC, Ed25519/Ed448), PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) and SEC1 ({@code BEGIN EC PRIVATE KEY}); the last two
 * are rewrapped as PKCS#8, which is only a DER envelope around the same bytes. Encrypted keys are refused: there
 * is no passphrase option, as in mod_wsgi-express.
 *
 * <p>Every failure is a {@link ConfigException} that names the file and says what would be accepted.
 */
public final class Pem {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
    private static final String KEY_FORMATS = "an unencrypted PEM private key: BEGIN PRIVATE KEY (PKCS#8), "
            + "BEGIN RSA PRIVATE KEY or BEGIN EC PRIVATE KEY";
    /** DER of the AlgorithmIdentifier rsaEncryption (1.2.840.113549.1.1.1) with NULL parameters. */
    private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
            (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    /** DER of the OID id-ecPublicKey (1.2.840.10045.2.1). */
    private static final byte[] EC_PUBLIC_KEY_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02,
            0x01};

    private Pem() {}

    private record Block(String label, String headers, byte[] der) {}

    /**
     * A key store holding the private key and its certificate chain: the certificates of {@code certificateFile}
     * (leaf first), then those of {@code chainFile} (may be null). The key must belong to the first certificate.
     */
    public static KeyStore keyStore(Path certificateFile, Path keyFile, Path chainFile, char[] password) {
        List<X509Certificate> chain = new ArrayList<>(certificates(certificateFile));
        if (chainFile != null) chain.addAll(certificates(chainFile));
        PrivateKey key = privateKey(keyFile);
        X509Certificate leaf = chain.getFirst();
        if (!belongTogether(key, leaf.getPublicKey())) {
            throw new ConfigException("the private key in " + keyFile + " does not belong to the certificate in "
                    + certificateFile + " (subject " + leaf.getSubjectX500Principal().getName()
                    + "); the certificate file must start with the server's own certificate");
        }
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("jwsgi", key, password, chain.toArray(X509Certificate[]::new));
            return store;
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigException("cannot use the key in " + keyFile + " with the certificate in "
                    + certificateFile + ": " + e.getMessage());
        }
    }

    /** A trust store holding every certificate of {@code caFile}. */
    public static KeyStore trustStore(Path caFile) {
        List<X509Certificate> cas = certificates(caFile);
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            for (int i = 0; i < cas.size(); i++) store.setCertificateEntry("ca-" + i, cas.get(i));
            return store;
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigException("cannot use the CA certificates in " + caFile + ": " + e.getMessage());
        }
    }

    /** Every {@code BEGIN CERTIFICATE} block of the file, in order; at least one. */
    public static List<X509Certificate> certificates(Path file) {
        List<X509Certificate> result = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (Block block : blocks(file)) {
                if (!block.label().equals("CERTIFICATE") && !block.label().equals("TRUSTED CERTIFICATE")) continue;
                result.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
            }
        } catch (CertificateException e) {
            throw new ConfigException(file + ": not a valid X.509 certificate: " + e.getMessage());
        }
        if (result.isEmpty()) {
            throw new ConfigException(file + ": no certificate found (expected PEM: -----BEGIN CERTIFICATE-----)");
        }
        return result;
    }

    /** The one private key of the file. */
    public static PrivateKey privateKey(Path file) {
        PrivateKey found = null;
        for (Block block : blocks(file)) {
            PrivateKey key = switch (block.label()) {
                case "PRIVATE KEY" -> pkcs8(file, block.der());
                case "RSA PRIVATE KEY" -> {
                    refuseEncrypted(file, block);
                    yield pkcs8(file, wrapPkcs1(block.der()));
                }
                case "EC PRIVATE KEY" -> {
                    refuseEncrypted(file, block);
                    byte[] wrapped;
                    try {
                        wrapped = wrapSec1(file, block.der());
                    } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                        throw new ConfigException(file + ": the EC private key is damaged (" + e.getMessage() + ")");
                    }
                    yield pkcs8(file, wrapped);
                }
                case "ENCRYPTED PRIVATE KEY" -> throw new ConfigException(file + ": the private key is encrypted; "
                        + "jwsgi needs " + KEY_FORMATS + " (decrypt it with: openssl pkey -in " + file + " -out KEY)");
                default -> {
                    if (block.label().endsWith("PRIVATE KEY")) {
                        throw new ConfigException(file + ": unsupported key format '" + block.label() + "'; jwsgi "
                                + "reads " + KEY_FORMATS);
                    }
                    yield null; // EC PARAMETERS, certificates: not the key
                }
            };
            if (key == null) continue;
            if (found != null) throw new ConfigException(file + ": holds more than one private key");
            found = key;
        }
        if (found == null) throw new ConfigException(file + ": no private key found; jwsgi reads " + KEY_FORMATS);
        return found;
    }

    private static List<Block> blocks(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.ISO_8859_1).replace("\r\n", "\n");
        } catch (IOException e) {
            throw new ConfigException("cannot read " + file + ": " + e.getMessage());
        }
        List<Block> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String body = m.group(2);
            String headers = "";
            int blank = body.indexOf("\n\n");
            if (body.contains(":") && blank >= 0) { // RFC 1421 headers (Proc-Type, DEK-Info) end at a blank line
                headers = body.substring(0, blank);
                body = body.substring(blank + 2);
            }
            try {
                blocks.add(new Block(m.group(1), headers, Base64.getMimeDecoder().decode(body.strip())));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(file + ": the " + m.group(1) + " block is not valid base64");
            }
        }
        if (blocks.isEmpty() && !text.isBlank()) {
            throw new ConfigException(file + ": not a PEM file (no -----BEGIN ...----- block); DER and PKCS#12 "
                    + "files are not read, convert them with openssl to PEM");
        }
        return blocks;
    }

    private static void refuseEncrypted(Path file, Block block) {
        if (block.headers().contains("ENCRYPTED")) {
            throw new ConfigException(file + ": the private key is encrypted (Proc-Type: 4,ENCRYPTED); jwsgi needs "
                    + KEY_FORMATS + " (decrypt it with: openssl pkey -in " + file + " -out KEY)");
        }
    }

    private static PrivateKey pkcs8(Path file, byte[] der) {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : new String[] {"RSA", "EC", "EdDSA", "RSASSA-PSS"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException | RuntimeException notThisAlgorithm) {
                // try the next one: the spec does not say its algorithm without parsing it
            }
        }
        throw new ConfigException(file + ": the private key is neither RSA, EC nor EdDSA, or is damaged");
    }

    /** PKCS#1 RSAPrivateKey → PKCS#8: SEQUENCE { INTEGER 0, rsaEncryption, OCTET STRING { key } }. */
    static byte[] wrapPkcs1(byte[] pkcs1) {
        return sequence(concat(new byte[] {0x02, 0x01, 0x00}, RSA_ALGORITHM, tlv(0x04, pkcs1)));
    }

    /**
     * SEC1 ECPrivateKey → PKCS#8: SEQUENCE { INTEGER 0, SEQUENCE { id-ecPublicKey, curve }, OCTET STRING { key } }.
     * The curve comes from the key's own [0] parameters, which openssl always writes.
     */
    static byte[] wrapSec1(Path file, byte[] sec1) {
        byte[] curve = null;
        int[] outer = readTlv(sec1, 0);
        for (int at = outer[1]; at < outer[2]; ) {
            int[] field = readTlv(sec1, at);
            if (field[0] == 0xa0) curve = java.util.Arrays.copyOfRange(sec1, field[1], field[2]);
            at = field[2];
        }
        if (curve == null || curve.length == 0 || curve[0] != 0x06) {
            throw new ConfigException(file + ": the EC private key does not name its curve; convert it to PKCS#8 "
                    + "with: openssl pkey -in " + file + " -out KEY");
        }
        return sequence(concat(new byte[] {0x02, 0x01, 0x00}, sequence(concat(EC_PUBLIC_KEY_OID, curve)),
                tlv(0x04, sec1)));
    }

    /** {tag, content start, content end} of the DER value at {@code at}. */
    private static int[] readTlv(byte[] der, int at) {
        if (at + 2 > der.length) throw new IllegalArgumentException("truncated DER");
        int tag = der[at] & 0xff;
        int length = der[at + 1] & 0xff;
        int start = at + 2;
        if (length > 0x7f) {
            int n = length & 0x7f;
            length = 0;
            for (int i = 0; i < n; i++) length = (length << 8) | (der[start + i] & 0xff);
            start += n;
        }
        if (start + length > der.length) throw new IllegalArgumentException("truncated DER");
        return new int[] {tag, start, start + length};
    }

    private static byte[] sequence(byte[] content) {
        return tlv(0x30, content);
    }

    private static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
        out.write(tag);
        int n = content.length;
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else if (n < 0x10000) {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n);
        } else {
            out.write(0x83);
            out.write(n >> 16);
            out.write(n >> 8);
            out.write(n);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    /** Whether {@code key} signs what {@code publicKey} verifies: the one check that works for every key type. */
    static boolean belongTogether(PrivateKey key, PublicKey publicKey) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
            default -> null;
        };
        if (algorithm == null) return key.getAlgorithm().equals(publicKey.getAlgorithm());
        try {
            byte[] probe = new byte[32];
            new SecureRandom().nextBytes(probe);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // a key of another type than the certificate's
        }
    }
}
