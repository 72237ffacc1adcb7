// Package signup is self-service onboarding on the base domain: a visitor
// gives a work email, a password and a company name (Start), follows the
// emailed link (Verify), and gets a tenant of their own on
// <slug>.<base domain> with themselves as its owner.
//
// An email domain maps to the tenant that first verified a signup from it:
// later signups from that domain ask to join that tenant (join requests its
// owners and admins decide, Decide), or join it at once when the tenant has
// turned on auto-join. Free-mail and disposable domains never map to a
// tenant (IsPublicMailDomain).
//
// Every step is one transaction, including the tenant's provisioning and
// the jobs it queues (verification and welcome mail, seed data): a failure
// or a crash leaves either the finished result or a pending signup whose
// link still works.
package signup
