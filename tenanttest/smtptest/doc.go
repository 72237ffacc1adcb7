// Package smtptest gives tests real SMTP servers on loopback: Start, one
// that accepts and keeps every message, for tests that check what the
// product mails; StartHung, one that accepts connections and never
// answers, for tests of what waits on mail.
//
// It is apart from tenanttest so that an application's tests, which import
// tenanttest, do not pull an SMTP server library into their build unless
// they check mail.
package smtptest
