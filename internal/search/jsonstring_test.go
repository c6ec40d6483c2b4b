package search

import (
	"encoding/json"
	"testing"
)

// TestJSONStringAsTheDecoder: the fast path of jsonString gives what
// encoding/json gives, and what is not a string fails as it does.
func TestJSONStringAsTheDecoder(t *testing.T) {
	for _, in := range []string{`""`, `"Zoé Quillard"`, `"d'Angoulême"`, `"a\"b"`, `"a\\b"`, `"\u0002médiation\u0003"`,
		`"tab\there"`, `"\ud83d\ude00"`, `"/"`, `"\/"`, `"ligne\nsuivante"`} {
		var want string
		if err := json.Unmarshal([]byte(in), &want); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		got, err := jsonString(json.RawMessage(in))
		if err != nil || got != want {
			t.Errorf("jsonString(%s) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{`12`, `null`, `["a"]`, `"unclosed`, `{"a":1}`} {
		if got, err := jsonString(json.RawMessage(in)); err == nil && in != "null" {
			t.Errorf("jsonString(%s) = %q, want an error", in, got)
		}
	}
}
