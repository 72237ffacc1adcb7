// Package pgbreaker keeps a server from dialling PostgreSQL once per request
// while the database is down or restarting.
//
// A Breaker is installed on a pgx connection config (Install), usually the
// one of the server's pool. While the database answers, it does nothing.
// When a connection attempt fails because the database is unreachable
// (pgerr.Unavailable: refused, no socket, shutting down, starting up), the
// breaker opens: for a short wait, MinBackoff at first, every new attempt
// fails at once with an error wrapping pgerr.ErrUnavailable, before any DNS
// lookup or dial. After the wait one attempt at a time, the probe, is let
// through; if it fails the wait doubles, up to MaxBackoff, each wait drawn
// at random from its upper half so that several servers do not probe in
// step. The first attempt that reaches the database closes the breaker. So
// however many requests arrive, an outage costs at most one dial per wait
// (after the connections already under way when it began), and the server
// is back within MaxBackoff of the database.
//
// The breaker logs the outage, not each request: a warning when it opens,
// a summary every SummaryEvery while it stays open, with the number of
// attempts refused in the meantime, and "database back" when it closes.
//
// Only new connections pass through the breaker. Queries on connections
// that were open when the database went away fail on their own, and the
// pool discards those connections.
package pgbreaker
