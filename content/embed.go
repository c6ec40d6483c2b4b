// Package content embeds the referentials and texts the portal loads at
// start-up (territories, and later competency blocks, charter versions, label
// criteria). Each folder says where its data comes from and under which licence.
package content

import (
	"embed"
	"io/fs"
)

//go:embed territoires referentiel lieux search carto charte labels
var files embed.FS

// FS returns the content files.
func FS() fs.FS { return files }
