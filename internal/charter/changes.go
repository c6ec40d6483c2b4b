package charter

import (
	"html/template"
	"strings"
)

// Change is a block of text (a heading, a paragraph, a list) that a
// version adds or removes compared with the previous one.
type Change struct {
	Added bool          // false: removed
	HTML  template.HTML // the block, rendered
}

// Changes compares the Markdown of two versions block by block (blocks
// are separated by blank lines) and returns what next removed and added,
// in reading order: the longest common sequence of blocks is kept, the
// rest is a change. A block edited by one word is removed and added.
func Changes(prev, next Version) ([]Change, error) {
	a, b := blocks(prev.Markdown), blocks(next.Markdown)
	// lcs[i][j]: length of the longest common sequence of a[i:] and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []Change
	add := func(added bool, src string) error {
		h, err := Render(src)
		if err != nil {
			return err
		}
		out = append(out, Change{Added: added, HTML: h})
		return nil
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		var err error
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			i, j = i+1, j+1
		case j < len(b) && (i == len(a) || lcs[i][j+1] >= lcs[i+1][j]):
			err = add(true, b[j])
			j++
		default:
			err = add(false, a[i])
			i++
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// blocks splits Markdown at blank lines, each block trimmed.
func blocks(md string) []string {
	var out []string
	for _, b := range strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n\n") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}
