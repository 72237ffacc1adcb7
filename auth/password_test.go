package auth_test

import (
	"encoding/base64"
	"errors"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/auth"
)

func TestHashIsArgon2idInPHCForm(t *testing.T) {
	t.Parallel()
	h, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	phc := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !phc.MatchString(h) {
		t.Errorf("hash %q is not $argon2id$v=19$m=19456,t=2,p=1$<16-byte salt>$<32-byte key>", h)
	}
}

func TestVerifyPassword(t *testing.T) {
	t.Parallel()
	h, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		password string
		want     bool
	}{
		{"correct horse battery", true},
		{"correct horse battery ", false},
		{"Correct horse battery", false},
		{"correct horse batter", false},
		{"", false},
	}
	for _, c := range cases {
		if ok, err := auth.VerifyPassword(c.password, h); ok != c.want || err != nil {
			t.Errorf("verify %q: got %v, %v; want %v, nil", c.password, ok, err, c.want)
		}
	}
}

func TestSamePasswordHashesDifferently(t *testing.T) {
	t.Parallel()
	a, errA := auth.HashPassword("same password")
	b, errB := auth.HashPassword("same password")
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if a == b || strings.Split(a, "$")[4] == strings.Split(b, "$")[4] {
		t.Errorf("two hashes of one password share their salt:\n%s\n%s", a, b)
	}
}

// TestHashWithOtherParametersVerifies pins that parameters are read from the
// hash, so raising them later keeps old hashes working.
func TestHashWithOtherParametersVerifies(t *testing.T) {
	t.Parallel()
	enc := base64.RawStdEncoding
	salt := []byte("sixteen byte slt")
	key := argon2.IDKey([]byte("old password"), salt, 3, 8192, 2, 32)
	h := "$argon2id$v=19$m=8192,t=3,p=2$" + enc.EncodeToString(salt) + "$" + enc.EncodeToString(key)
	if ok, err := auth.VerifyPassword("old password", h); !ok || err != nil {
		t.Errorf("verify a hash of m=8192,t=3,p=2: %v, %v", ok, err)
	}
	if ok, err := auth.VerifyPassword("new password", h); ok || err != nil {
		t.Errorf("verify a wrong password: %v, %v", ok, err)
	}
}

// TestMalformedHashIsRefused feeds VerifyPassword stored hashes that are
// damaged or hostile: each must give ErrBadHash quickly, without a panic
// and without the work its parameters ask for.
func TestMalformedHashIsRefused(t *testing.T) {
	t.Parallel()
	good, err := auth.HashPassword("password")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, "$") // "", argon2id, v=19, m=..., salt, key
	salt, key := parts[4], parts[5]
	with := func(params string) string { return "$argon2id$v=19$" + params + "$" + salt + "$" + key }
	cases := map[string]string{
		"empty":                  "",
		"plain text":             "password",
		"dollars only":           "$$$$$",
		"bcrypt":                 "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"argon2i":                strings.Replace(good, "argon2id", "argon2i", 1),
		"version 16":             strings.Replace(good, "v=19", "v=16", 1),
		"no version":             "$argon2id$m=19456,t=2,p=1$" + salt + "$" + key,
		"extra field":            good + "$extra",
		"missing key":            "$argon2id$v=19$m=19456,t=2,p=1$" + salt,
		"no parameters":          with(""),
		"parameters reordered":   with("t=2,m=19456,p=1"),
		"trailing junk":          with("m=19456,t=2,p=1,x=1"),
		"negative memory":        with("m=-1,t=2,p=1"),
		"zero passes":            with("m=19456,t=0,p=1"),
		"zero lanes":             with("m=19456,t=2,p=0"),
		"lanes overflow":         with("m=19456,t=2,p=256"),
		"memory below 8 a lane":  with("m=7,t=2,p=1"),
		"memory 4 GiB":           with("m=4194304,t=1,p=1"),
		"memory overflow":        with("m=4294967296,t=1,p=1"),
		"a billion passes":       with("m=19456,t=1000000000,p=1"),
		"cost just over the cap": with("m=524288,t=3,p=1"),
		"salt not base64":        "$argon2id$v=19$m=19456,t=2,p=1$!!!!$" + key,
		"salt too short":         "$argon2id$v=19$m=19456,t=2,p=1$" + base64.RawStdEncoding.EncodeToString([]byte("short")) + "$" + key,
		"empty salt":             "$argon2id$v=19$m=19456,t=2,p=1$$" + key,
		"key not base64":         "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$%%%%",
		"key too short":          "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key[:10],
		"padded base64":          "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "==$" + key,
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			ok, err := auth.VerifyPassword("password", h)
			if ok || !errors.Is(err, auth.ErrBadHash) {
				t.Errorf("verify against %q: got %v, %v; want false, ErrBadHash", h, ok, err)
			}
		})
	}
}

func TestValidatePassword(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		password string
		ok       bool
	}{
		{"empty", "", false},
		{"7 characters", "1234567", false},
		{"8 characters", "12345678", true},
		{"7 two-byte characters (14 bytes)", strings.Repeat("é", 7), false},
		{"8 two-byte characters", strings.Repeat("é", 8), true},
		{"8 emoji", strings.Repeat("🔑", 8), true},
		{"256 characters", strings.Repeat("a", 256), true},
		{"256 four-byte characters", strings.Repeat("🔑", 256), true},
		{"257 characters", strings.Repeat("a", 257), false},
		{"invalid UTF-8", "password\xff\xfe", false},
		{"truncated UTF-8", "password" + "🔑"[:2], false},
		{"spaces count", "        ", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := auth.ValidatePassword(c.password)
			var ve *tenantry.ValidationError
			switch {
			case c.ok && err != nil:
				t.Errorf("got %v, want nil", err)
			case !c.ok && (!errors.As(err, &ve) || ve.Field != "password" || ve.Value != ""):
				t.Errorf("got %v, want a *ValidationError of password that does not echo it", err)
			}
		})
	}
}
