// Package kit is what every capability of the web layer shares: page
// rendering, forms that keep what was typed, flashes, the current user and
// viewer, path ids, JSON decoding, route registration with a permission,
// the menu and the dashboard's next steps, and the shared message
// catalogue (layout, errors, the domain's vocabulary).
package kit

import "embed"

//go:embed *.yaml
var messages embed.FS

// Messages are the shared catalogue files of the web layer.
func Messages() embed.FS { return messages }
