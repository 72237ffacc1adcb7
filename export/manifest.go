package export

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Format names Tenantry's tenant archives in their manifest.
const Format = "tenantry-tenant-export"

// FormatMajor and FormatMinor are the version of the archive format this
// package writes. A reader refuses archives of another major version; a
// higher minor version only adds what older readers may ignore.
const (
	FormatMajor = 1
	FormatMinor = 0
)

// manifestName is the archive's first member.
const manifestName = "manifest.json"

// Members of an archive besides the manifest.
const (
	schemaMember = "schema.dump"          // pg_dump --format=custom of the tenant's schema
	tenantMember = "registry/tenant.json" // the tenant's row of public.tenants
	sharedPrefix = "shared/"              // shared/<table>.jsonl: the tenant's rows of public.<table>
)

// Manifest describes an archive.
type Manifest struct {
	Format        string    `json:"format"`
	FormatVersion string    `json:"format_version"` // "MAJOR.MINOR"
	CreatedAt     time.Time `json:"created_at"`
	// Application is the name of the application that wrote the archive.
	Application string `json:"application,omitempty"`
	// ServerVersion is the PostgreSQL server's version; DumpVersion
	// pg_dump's.
	ServerVersion string `json:"server_version"`
	DumpVersion   string `json:"pg_dump_version"`
	Tenant        Source `json:"tenant"`
	// TenantMigrations is the ledger of the tenant's schema; Level is how
	// many migrations it holds.
	TenantMigrations []Migration `json:"tenant_migrations"`
	Level            int         `json:"level"`
	// SharedMigrations is the ledger of the public schema.
	SharedMigrations []Migration `json:"shared_migrations"`
	// Tables counts the rows of each table: the schema's by bare name,
	// the shared tables' as public.<name>.
	Tables map[string]int64 `json:"tables"`
	// Members lists every member after the manifest, in order.
	Members []Member `json:"members"`
	// Digest is the SHA-256 of the member list (see digest).
	Digest string `json:"digest"`
}

// Source is the tenant an archive was made from.
type Source struct {
	ID      int64    `json:"id"`
	Slug    string   `json:"slug"`
	Schema  string   `json:"schema"`
	Name    string   `json:"name"`
	Status  string   `json:"status"`
	Domains []string `json:"domains"`
}

// Migration is one row of a migration ledger.
type Migration struct {
	Line     string `json:"line,omitempty"`
	Version  int    `json:"version"`
	Name     string `json:"name"`
	Checksum string `json:"checksum"`
}

// Member is one file of the archive.
type Member struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// digest is the SHA-256 of the member list: each member's name, size and
// checksum on a line of its own, in order. With the members' checksums it
// covers the whole archive but the manifest's other fields, which the
// reader checks against the members (counts, ledger).
func digest(members []Member) string {
	h := sha256.New()
	for _, m := range members {
		fmt.Fprintf(h, "%s\x00%d\x00%s\n", m.Name, m.Size, m.SHA256)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// check refuses a manifest of another format or major version, or one
// whose digest does not match its member list.
func (m *Manifest) check() error {
	if m.Format != Format {
		return fmt.Errorf("%s is not a tenant archive's manifest (format %q): %w", manifestName, m.Format, ErrCorrupt)
	}
	major, _, ok := strings.Cut(m.FormatVersion, ".")
	n, err := strconv.Atoi(major)
	if !ok || err != nil {
		return fmt.Errorf("format version %q is malformed: %w", m.FormatVersion, ErrCorrupt)
	}
	if n != FormatMajor {
		return fmt.Errorf("archive format %s, this binary reads %d.x: %w", m.FormatVersion, FormatMajor, ErrFormatVersion)
	}
	if m.Digest != digest(m.Members) {
		return fmt.Errorf("the manifest's digest does not match its member list: %w", ErrCorrupt)
	}
	seen := map[string]bool{}
	for _, mem := range m.Members {
		if seen[mem.Name] || mem.Name == manifestName || mem.Size < 0 {
			return fmt.Errorf("member %q is listed twice or wrongly: %w", mem.Name, ErrCorrupt)
		}
		seen[mem.Name] = true
	}
	if !seen[schemaMember] || !seen[tenantMember] {
		return fmt.Errorf("the manifest lists no %s or %s: %w", schemaMember, tenantMember, ErrCorrupt)
	}
	return nil
}

// maxManifest bounds the manifest read before anything is checked.
const maxManifest = 16 << 20

func parseManifest(b []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("read %s: %v: %w", manifestName, err, ErrCorrupt)
	}
	return &m, m.check()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
