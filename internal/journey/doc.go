// Package journey holds end-to-end tests that need the whole demo network
// loaded in their own database (so they do not disturb the web package's
// tests). It has no code of its own.
package journey
