// Package directory applies firstkey's rules to stored data: every change an
// administrator, an application or the CLI makes goes through a Service method,
// which checks who may act, validates with the domain rules, writes the change and
// its audit record in one transaction. The Graph API, the web pages and the CLI are
// thin translators in front of it, so they cannot disagree about the rules.
package directory
