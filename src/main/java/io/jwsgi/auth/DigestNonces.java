package io.jwsgi.auth;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The server's Digest nonces (RFC 7616 with MD5 and qop=auth, as mod_auth_digest does it). A nonce is its issue
 * time and an HMAC of that time and the realm under a per-start secret, so it cannot be forged and says its own age;
 * it expires after {@link #LIFETIME_SECONDS} (mod_auth_digest's {@code AuthDigestNonceLifetime} default). Each nonce's
 * highest nonce count is remembered while the nonce lives, and a request must bring a higher one: a captured
 * Authorization header replayed is refused. Counts only have to grow, not to be the exact next one, since a client's
 * concurrent requests may arrive out of order. The clock is injected for the tests.
 */
public final class DigestNonces {
    public static final long LIFETIME_SECONDS = 300;
    /** Beyond this many live nonces the oldest are forgotten (their next use is then answered stale=true). */
    private static final int MAX_TRACKED = 100_000;

    /** What {@link #check} found. */
    public enum Status {
        /** issued here, alive, and the count is new */
        FRESH,
        /** issued here but too old (or forgotten): the client should retry with a new nonce ({@code stale=true}) */
        STALE,
        /** the count was seen already: a replay */
        REPLAYED,
        /** not a nonce of this server */
        INVALID
    }

    private final byte[] secret = new byte[32];
    private final LongSupplier clockMillis;
    /** Live nonces, oldest first, to their highest nonce count seen (0: none yet). */
    private final LinkedHashMap<String, Long> counts = new LinkedHashMap<>();

    public DigestNonces() {
        this(System::currentTimeMillis);
    }

    public DigestNonces(LongSupplier clockMillis) {
        this.clockMillis = clockMillis;
        new SecureRandom().nextBytes(secret);
    }

    /** A new nonce for a challenge in {@code realm}. */
    public synchronized String issue(String realm) {
        long now = clockMillis.getAsLong();
        String nonce = make(now, realm);
        purge(now);
        counts.put(nonce, 0L);
        return nonce;
    }

    /** Checks a nonce of {@code realm} and records {@code nc} (the client's hexadecimal nonce count). */
    public synchronized Status check(String nonce, String realm, String nc) {
        long issued = issuedAt(nonce, realm);
        if (issued < 0) return Status.INVALID;
        long count;
        try {
            count = Long.parseLong(nc, 16);
        } catch (NumberFormatException e) {
            return Status.INVALID;
        }
        long now = clockMillis.getAsLong();
        if (now - issued > LIFETIME_SECONDS * 1000) {
            counts.remove(nonce);
            return Status.STALE;
        }
        Long last = counts.get(nonce);
        if (last == null) return Status.STALE;
        if (count <= last) return Status.REPLAYED;
        counts.put(nonce, count);
        return Status.FRESH;
    }

    /** The issue time of a nonce this server made for {@code realm}, or -1. */
    private long issuedAt(String nonce, String realm) {
        int dot = nonce.indexOf('.');
        if (dot <= 0) return -1;
        long time;
        try {
            time = ByteBuffer.wrap(Base64.getUrlDecoder().decode(nonce.substring(0, dot))).getLong();
        } catch (IllegalArgumentException | java.nio.BufferUnderflowException e) {
            return -1;
        }
        byte[] expected = make(time, realm).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, nonce.getBytes(StandardCharsets.US_ASCII)) ? time : -1;
    }

    private String make(long time, String realm) {
        byte[] t = ByteBuffer.allocate(Long.BYTES).putLong(time).array();
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(t);
            mac.update(realm.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(t) + "."
                    + HexFormat.of().formatHex(mac.doFinal(), 0, 16);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    private void purge(long now) {
        Iterator<Map.Entry<String, Long>> it = counts.entrySet().iterator();
        while (it.hasNext()) {
            String nonce = it.next().getKey();
            long issued = ByteBuffer.wrap(Base64.getUrlDecoder().decode(nonce.substring(0, nonce.indexOf('.'))))
                    .getLong();
            if (now - issued <= LIFETIME_SECONDS * 1000 && counts.size() < MAX_TRACKED) break;
            it.remove();
        }
    }
}
