package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: the second recommended set of OWASP's Password
// Storage Cheat Sheet (19 MiB of memory, 2 passes, 1 lane), about 25 ms a
// hash on one core here. They are stored in each hash, so raising them later
// keeps old hashes verifiable.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonSaltLen   = 16
	argonKeyLen    = 32

	// maxArgonCost bounds the work VerifyPassword will do for a stored
	// hash, as memory (KiB) times passes: 1 GiB for one pass, some 27 times
	// the parameters above. A damaged or planted hash beyond it would
	// otherwise hold a login for minutes or exhaust the server's memory.
	maxArgonCost = 1 << 20
)

// Password rules checked by ValidatePassword.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 256
)

// ErrBadHash reports a stored hash this package cannot read.
var ErrBadHash = errors.New("unrecognised password hash")

// HashPassword returns the argon2id hash of password in PHC string form:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>.
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemoryKiB, argonTime,
		argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var b64 = base64.RawStdEncoding

// VerifyPassword reports whether password matches hash, comparing in
// constant time. It returns ErrBadHash for a hash it cannot parse.
func VerifyPassword(password, hash string) (bool, error) {
	p, salt, key, err := parseHash(hash)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

type argonParams struct {
	memory  uint32
	time    uint32
	threads uint8
}

func parseHash(hash string) (argonParams, []byte, []byte, error) {
	var p argonParams
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return p, nil, nil, ErrBadHash
	}
	_, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads)
	if err != nil || parts[3] != fmt.Sprintf("m=%d,t=%d,p=%d", p.memory, p.time, p.threads) || !p.sane() {
		return p, nil, nil, ErrBadHash
	}
	salt, err1 := b64.DecodeString(parts[4])
	key, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 {
		return p, nil, nil, ErrBadHash
	}
	return p, salt, key, nil
}

// sane reports whether p are parameters Argon2 allows (RFC 9106: at least
// one pass and one lane, 8 KiB of memory per lane) within maxArgonCost.
func (p argonParams) sane() bool {
	return p.time > 0 && p.threads > 0 && p.memory >= 8*uint32(p.threads) &&
		uint64(p.memory)*uint64(p.time) <= maxArgonCost
}

// ValidatePassword checks a new password against the rules: at least
// MinPasswordLen characters, at most MaxPasswordLen, valid UTF-8. The error
// is a *ValidationError naming the rule.
func ValidatePassword(password string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case !utf8.ValidString(password):
		return invalid("password", "", "must be valid UTF-8 text")
	case n < MinPasswordLen:
		return invalid("password", "", fmt.Sprintf("must be at least %d characters long", MinPasswordLen))
	case n > MaxPasswordLen:
		return invalid("password", "", fmt.Sprintf("must be at most %d characters long", MaxPasswordLen))
	}
	return nil
}
