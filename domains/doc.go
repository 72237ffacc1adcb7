// Package domains manages the domains of tenants: adding them, choosing
// the primary one (what links and mails use), removing them, and proving
// control of them before they route.
//
// A subdomain of the base domain (acme.example.com when the platform runs
// on example.com) belongs to the platform: it is verified as soon as it is
// added. Any other domain starts pending, with a token, and reaches no
// tenant until its owner proves control in one of two ways:
//
//   - a DNS TXT record _tenantry.<domain> whose value is the token;
//   - the HTTP file http://<domain>/.well-known/tenantry/<token> whose body
//     is the token. Pointing the domain at a Tenantry server proves control
//     too: the server answers that path for a pending domain's own token.
//
// Checks run as River jobs (VerifyArgs) with backoff, and on demand
// (Service.Verify). A job reads what it needs, lets its connection go,
// checks DNS and HTTP, and only then writes the result: no database
// connection waits on the network.
//
// Names are stored and compared in their ASCII (punycode) form, so a
// look-alike written with other scripts never equals the name it imitates;
// subdomains of the base domain must be plain ASCII. IP addresses,
// wildcards, the base domain and the other fallback domains, and a domain
// of another tenant are refused. Every change fires the registry's
// notification, so running servers see it within a moment.
package domains
