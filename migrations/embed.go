// Package migrations embeds the SQL migrations of the portal. Files are named
// YYYYMMDDHHMMSS_verb_object.tx.up.sql / .tx.down.sql and run by bun's migrator.
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed *.sql
var files embed.FS

// FS returns the migration files.
func FS() fs.FS { return files }
