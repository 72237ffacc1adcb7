package domains

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/audit"
)

// CheckError says why a pending domain could not be verified: what each
// way of proving control found. Its message is meant for the domain's
// owner.
type CheckError struct {
	Domain string
	DNS    string // what the TXT record check found
	HTTP   string // what the HTTP file check found
}

func (e *CheckError) Error() string {
	return fmt.Sprintf("domain %s is not verified: DNS: %s; HTTP: %s", e.Domain, e.DNS, e.HTTP)
}

// Verify checks now whether the owner of a domain of the tenant named by
// ref has proved control of it, and records the result: a verified domain
// routes at once (and becomes primary if it was asked to). A verified
// domain is returned as it is. A failed check returns the domain with its
// LastError and a *CheckError, and leaves a verification job queued
// (Config.Jobs). No database connection is held during the
// DNS and HTTP checks.
func (s *Service) Verify(ctx context.Context, ref, domain string) (*Domain, error) {
	var d *Domain
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		_, d, err = s.tenantDomain(ctx, tx, ref, domain)
		return err
	})
	if err != nil || d.Status == StatusVerified {
		return d, err
	}
	got, err := s.check(ctx, d)
	if _, failed := errors.AsType[*CheckError](err); failed && s.cfg.Jobs != nil {
		// Keep checking in the background, as after Add.
		if qerr := s.inTx(ctx, func(tx pgx.Tx) error { return s.queue(ctx, tx, d.Name, false) }); qerr != nil {
			return got, qerr
		}
	}
	return got, err
}

// check checks a pending domain read earlier and records the result.
func (s *Service) check(ctx context.Context, d *Domain) (*Domain, error) {
	method, cerr := s.prove(ctx, d)
	if cerr != nil && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if cerr != nil {
		if _, err := s.pool.Exec(ctx, failedSQL, d.Name, d.Token, cerr.Error()); err != nil {
			return nil, fmt.Errorf("record the check of %s: %w", d.Name, err)
		}
		s.cfg.Logger.InfoContext(ctx, "domain not verified", "domain", d.Name, "err", cerr)
		got, err := get(ctx, s.pool, d.Name)
		if err != nil {
			return nil, err
		}
		return got, cerr
	}
	if err := s.recordVerified(ctx, d, method); err != nil {
		return nil, err
	}
	s.cfg.Logger.InfoContext(ctx, "domain verified", "domain", d.Name, "by", method)
	return get(ctx, s.pool, d.Name)
}

// recordVerified marks d verified, and primary if it was asked to be, in
// one transaction, unless it changed since it was read.
func (s *Service) recordVerified(ctx context.Context, d *Domain, method string) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var tenantID int64
		var primary bool
		err := tx.QueryRow(ctx, verifiedSQL, d.Name, d.Token, method).Scan(&tenantID, &primary)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // removed, replaced or verified meanwhile
		}
		if err != nil {
			return fmt.Errorf("record %s verified: %w", d.Name, err)
		}
		if primary {
			if err := makePrimary(ctx, tx, tenantID, d.Name); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: tenantID, Action: ActionVerified, Target: d.Name,
			Details: map[string]any{"by": method, "primary": primary}})
	})
}

// prove checks the DNS record, then the HTTP file, within CheckTimeout,
// and says which proved control, or why neither did.
func (s *Service) prove(ctx context.Context, d *Domain) (string, *CheckError) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.CheckTimeout)
	defer cancel()
	dnsWhy := s.checkDNS(ctx, d)
	if dnsWhy == "" {
		return ByDNS, nil
	}
	httpWhy := s.checkHTTP(ctx, d)
	if httpWhy == "" {
		return ByHTTP, nil
	}
	return "", &CheckError{Domain: d.Name, DNS: dnsWhy, HTTP: httpWhy}
}

// checkDNS looks for the token in the TXT records of _tenantry.<domain>;
// it returns "" when found, else what it found instead.
func (s *Service) checkDNS(ctx context.Context, d *Domain) string {
	name := d.TXTName()
	txts, err := s.resolver.LookupTXT(ctx, name)
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return "no TXT record " + name
	case err != nil:
		return "cannot look up TXT " + name + ": " + err.Error()
	}
	for _, v := range txts {
		if strings.TrimSpace(v) == d.Token {
			return ""
		}
	}
	return s.mismatch(ctx, d, "TXT "+name, txts)
}

// maxTokenLookups bounds the values mismatch looks up: a zone may publish
// many TXT records.
const maxTokenLookups = 5

// mismatch describes values that are not d's token: a token issued for
// another domain is named as such.
func (s *Service) mismatch(ctx context.Context, d *Domain, where string, values []string) string {
	asked := 0
	for _, v := range values {
		v = strings.TrimSpace(v)
		if !validToken(v) || asked == maxTokenLookups {
			continue
		}
		asked++
		var other string
		if err := s.pool.QueryRow(ctx, tokenOwnerSQL, v).Scan(&other); err == nil && other != d.Name {
			return where + " holds the token issued for another domain, not this domain's: tokens prove control of one domain only"
		}
	}
	if len(values) == 0 {
		return where + " is empty"
	}
	return where + " does not hold this domain's token"
}

// maxFileBytes bounds what the HTTP check reads of the file.
const maxFileBytes = 512

// checkHTTP fetches http://<domain>/.well-known/tenantry/<token> and
// expects the token as its body; it returns "" when so, else what it got.
func (s *Service) checkHTTP(ctx context.Context, d *Domain) string {
	url := "http://" + d.Name + d.FilePath()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "cannot request " + url + ": " + err.Error()
	}
	req.Header.Set("User-Agent", "tenantry-domain-check")
	resp, err := s.httpClient().Do(req)
	if err != nil {
		return "cannot fetch " + url + ": " + err.Error()
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Sprintf("%s answered %d", url, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxFileBytes))
	if err != nil {
		return "cannot read " + url + ": " + err.Error()
	}
	if strings.TrimSpace(string(body)) == d.Token {
		return ""
	}
	return s.mismatch(ctx, d, url, []string{string(body)})
}
