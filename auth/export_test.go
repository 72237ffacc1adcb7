package auth

import "time"

// SetClock makes s read the time from now, so tests can issue tokens in the
// past or verify them in the future.
func SetClock(s *Signer, now func() time.Time) { s.now = now }

// SigningKey is the HMAC key s signs audience's tokens with, so tests can
// forge tokens that differ from real ones in one respect only.
func SigningKey(s *Signer, audience string) []byte { return s.key(audience) }
