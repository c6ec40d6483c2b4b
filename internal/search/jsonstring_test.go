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

// formattedAsTheDecoder is what formattedOf must give: the title and the
// cropped attribute as encoding/json reads them.
func formattedAsTheDecoder(raw []byte, crop string) (title, snippet json.RawMessage, ok bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil, nil, false
	}
	title = m["title"]
	if crop != "" {
		snippet = m[crop]
	}
	return title, snippet, true
}

// TestFormattedOfAsTheDecoder: walking _formatted finds the same two
// attributes as decoding it, and never fails on what is not JSON.
func TestFormattedOfAsTheDecoder(t *testing.T) {
	for _, in := range formattedSeeds {
		for _, crop := range []string{"", "bio", "title", "x"} {
			wt, ws, ok := formattedAsTheDecoder([]byte(in), crop)
			if !ok {
				continue
			}
			gt, gs := formattedOf(json.RawMessage(in), crop)
			if string(gt) != string(wt) || string(gs) != string(ws) {
				t.Errorf("formattedOf(%s, %q) = %s, %s; want %s, %s", in, crop, gt, gs, wt, ws)
			}
		}
	}
}

var formattedSeeds = []string{
	`{}`, ` { } `, `{"title":"Zoé"}`, `{"id":7,"title":"\u0002Zoé\u0003 Q","bio":"a \"b\" c"}`,
	`{"roles":["lieu","hub"],"_geo":{"lat":45.1,"lng":-4.2},"title":"T","bio":null}`,
	"{\n  \"title\" : \"T\" ,\n  \"bio\" : \"{[\\\\\" , \"n\": -1.5e3, \"t\": true, \"f\": false}",
	`{"a":{"b":[{"c":"}]"}]},"title":"après","bio":"x"}`, `{"title":"x","title":"y"}`,
	`[1,2]`, `"s"`, `{"title"}`, `{"title":}`, `{"title":"x"`, `{"title":"x",}`, `{`, ``, `{"a":[1,2}`,
}

// FuzzFormattedOf: formattedOf never panics, and on JSON agrees with the
// decoder.
func FuzzFormattedOf(f *testing.F) {
	for _, s := range formattedSeeds {
		f.Add(s, "bio")
	}
	f.Fuzz(func(t *testing.T, in, crop string) {
		gt, gs := formattedOf(json.RawMessage(in), crop)
		if wt, ws, ok := formattedAsTheDecoder([]byte(in), crop); ok && (string(gt) != string(wt) || string(gs) != string(ws)) {
			t.Errorf("formattedOf(%q, %q) = %s, %s; want %s, %s", in, crop, gt, gs, wt, ws)
		}
	})
}
