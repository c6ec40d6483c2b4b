package kit_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"maillage/internal/maillage"
	"maillage/internal/web/kit"
)

// apiBody has the shapes the API decodes (network/api.go's structureInput
// and profileInput): an embedded struct with a shadowed field, pointers,
// lists, maps of domain types, any.
type apiBody struct {
	Lieu struct {
		maillage.Lieu
		DateMaj any `json:"date_maj"`
	} `json:"lieu"`
	Roles       []maillage.StructureRole `json:"roles"`
	Kind        *maillage.ProfileKind    `json:"kind"`
	DisplayName *string                  `json:"display_name"`
	PixLevel    *int                     `json:"pix_level"`
	OpenToWork  *bool                    `json:"open_to_work"`
	Mentor      *maillage.MentorSettings `json:"mentor"`
	Competences *[]struct {
		Code  string `json:"code"`
		Level int    `json:"level"`
	} `json:"competences"`
	Visibility map[string]maillage.Visibility `json:"visibility"`
}

// FuzzDecodeJSON: any body either decodes, with no NUL in what it decoded
// (PostgreSQL refuses it), or is refused as invalid input (422) with a
// message key: never a panic, never an internal error.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{"\x00", `"\u0000"`, `{"display_name": "a\u0000b"}`, `{"display_name": "a\\u0000b"}`,
		`{"display_name": "Camille"}`, `{}`, `[]`, `null`, ``, ` `, `{"lieu": {"nom": "x", "latitude": 45.7}, "roles": ["lieu"]}`,
		`{"pix_level": "3"}`, `{"pix_level": 1e400}`, `{"couleur": "bleu"}`, `{"lieu": {"date_maj": "2024-01-01"}}`, `{} {}`,
		`{"mentor": {"capacity": -1, "themes": [null]}}`, `{"visibility": {"bio": 3}}`, `{"competences": [{"code": 1}]}`,
		"{\"display_name\": \"\xff\"}", `{"display_name": "\ud800"}`, `{"a":`, `{"lieu": {"latitude": "45"}}`} {
		f.Add([]byte(s))
	}
	app := fiber.New()
	f.Fuzz(func(t *testing.T, body []byte) {
		c := app.AcquireCtx(&fasthttp.RequestCtx{})
		defer app.ReleaseCtx(c)
		c.Request().SetBody(body)
		var v apiBody
		err := kit.DecodeJSON(c, &v)
		if err != nil {
			var e *maillage.Error
			if maillage.ErrorCode(err) != maillage.EINVALID || !asError(err, &e) || e.Key == "" && len(e.Problems) == 0 {
				t.Fatalf("DecodeJSON(%q) = %#v, want an invalid-input error with a key", body, err)
			}
			return
		}
		out, merr := json.Marshal(v)
		if merr != nil {
			t.Fatalf("decoded %q, cannot encode it again: %v", body, merr)
		}
		var back any
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatal(err)
		}
		if s, ok := withNUL(back); ok {
			t.Fatalf("DecodeJSON(%q) let a NUL through: %q", body, s)
		}
	})
}

// withNUL finds a string holding a NUL in a decoded JSON value (keys too).
func withNUL(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, strings.ContainsRune(v, 0)
	case []any:
		for _, x := range v {
			if s, ok := withNUL(x); ok {
				return s, true
			}
		}
	case map[string]any:
		for k, x := range v {
			if strings.ContainsRune(k, 0) {
				return k, true
			}
			if s, ok := withNUL(x); ok {
				return s, true
			}
		}
	}
	return "", false
}

func asError(err error, target **maillage.Error) bool {
	e, ok := err.(*maillage.Error)
	*target = e
	return ok
}
