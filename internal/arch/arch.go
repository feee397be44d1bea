// Package arch holds no code: its test checks the import rules that
// docs/architecture.md describes, so the picture there stays true.
package arch
