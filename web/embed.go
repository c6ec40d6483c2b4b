// Package web embeds the HTML templates (layouts, partials, pages) and the
// static assets served by internal/web.
package web

import (
	"embed"
	"io/fs"
)

//go:embed templates static
var files embed.FS

// Templates returns the templates folder.
func Templates() fs.FS { sub, _ := fs.Sub(files, "templates"); return sub }

// Static returns the static assets folder.
func Static() fs.FS { sub, _ := fs.Sub(files, "static"); return sub }
