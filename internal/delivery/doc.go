// Package delivery sends what the directory's outbox holds: passes by mail or
// by a signed webhook, and notices to users. A Worker in every replica claims
// due deliveries (a lease in the database, so exactly one replica sends each),
// sends them and reports the outcome to the directory, which audits it,
// retries with back-off and revokes a pass that could not be delivered. It
// also serves the report links of notices.
package delivery
