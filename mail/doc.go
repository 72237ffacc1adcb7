// Package mail sends the product's email: over SMTP when a server is
// configured (TENANTRY_SMTP_URL), otherwise into an outbox directory whose
// files can be opened with any mail reader, with the message's first link
// logged so a developer can follow it.
//
// [New] picks the transport from a [Config]. Both transports render the same
// RFC 5322 message: Date, Message-ID, From, To, a UTF-8 encoded Subject and a
// text/plain body, or multipart/alternative when the message has HTML.
//
// Errors that retrying cannot cure, an invalid message or a recipient the
// server refuses for good, wrap [ErrPermanent]; every other failure is
// temporary, so a job queue can retry it.
package mail
