package io.jwsgi.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.jwsgi.auth.DigestNonces.Status;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Digest nonces: fresh once per count, stale after their lifetime, never forgeable; by moving the clock. */
class DigestNoncesTest {
    final AtomicLong now = new AtomicLong(1_000_000);
    final DigestNonces nonces = new DigestNonces(now::get);

    @Test
    void eachNonceCountIsAcceptedOnceAndOnlyGrowing() {
        String n = nonces.issue("realm");
        assertThat(nonces.check(n, "realm", "00000001")).isEqualTo(Status.FRESH);
        assertThat(nonces.check(n, "realm", "00000001")).isEqualTo(Status.REPLAYED);
        assertThat(nonces.check(n, "realm", "00000003")).isEqualTo(Status.FRESH);
        assertThat(nonces.check(n, "realm", "00000002")).isEqualTo(Status.REPLAYED);
        assertThat(nonces.check(n, "realm", "0000000a")).isEqualTo(Status.FRESH);
    }

    @Test
    void aNonceExpiresAfterItsLifetimeAndIsThenStale() {
        String n = nonces.issue("realm");
        now.addAndGet(DigestNonces.LIFETIME_SECONDS * 1000);
        assertThat(nonces.check(n, "realm", "00000001")).isEqualTo(Status.FRESH);
        now.addAndGet(1);
        assertThat(nonces.check(n, "realm", "00000002")).isEqualTo(Status.STALE);
    }

    @Test
    void aNonceOfAnotherRealmServerOrForgerIsInvalid() {
        String n = nonces.issue("realm");
        assertThat(nonces.check(n, "other realm", "00000001")).isEqualTo(Status.INVALID);
        assertThat(new DigestNonces(now::get).check(n, "realm", "00000001")).isEqualTo(Status.INVALID);
        String forged = n.substring(0, n.indexOf('.') + 1) + "0".repeat(32);
        assertThat(nonces.check(forged, "realm", "00000001")).isEqualTo(Status.INVALID);
        assertThat(nonces.check("garbage", "realm", "00000001")).isEqualTo(Status.INVALID);
        assertThat(nonces.check(n, "realm", "not-hex")).isEqualTo(Status.INVALID);
    }

    @Test
    void digestParametersAreParsedWithQuotesAndEscapes() {
        assertThat(AuthGate.parameters("username=\"ann\", realm=\"a \\\"b\\\" c\", nc=00000001, qop=auth,"
                + " uri=\"/x?a=1,b\"")).containsEntry("username", "ann").containsEntry("realm", "a \"b\" c")
                .containsEntry("nc", "00000001").containsEntry("qop", "auth").containsEntry("uri", "/x?a=1,b");
        // RFC 2617's own example
        assertThat(AuthGate.md5("Mufasa:testrealm@host.com:Circle Of Life"))
                .isEqualTo("939e7578ed9e3c518a452acee763bce9");
    }
}
