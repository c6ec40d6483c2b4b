package web

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/web/kit"
)

// The OpenAPI 3.0.3 description of the JSON API: this file's openapi.json
// holds the document's frame (info, security schemes, shared responses and
// the Error schema); each capability brings its paths and schemas as an
// openapi.json beside its handlers (Router.OpenAPI), merged here. A path or
// schema declared twice is an error. TestOpenAPIDocument fails when the
// document is not valid OpenAPI or an /api/ route is missing from it (or the
// other way round); TestOpenAPIResponses validates every API response
// against it.

//go:embed openapi.json
var openAPIFrame []byte

type openAPI struct {
	fragments []kit.Fragment
	once      sync.Once
	json      []byte
	err       error
}

type openAPIPart struct {
	Paths      map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]json.RawMessage `json:"schemas"`
	} `json:"components"`
}

// document merges the frame and the fragments.
func (o *openAPI) document(baseURL string) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(openAPIFrame, &doc); err != nil {
		return nil, fmt.Errorf("openapi frame: %w", err)
	}
	paths := doc["paths"].(map[string]any)
	components := doc["components"].(map[string]any)
	schemas := components["schemas"].(map[string]any)
	for _, f := range o.fragments {
		var part openAPIPart
		if err := json.Unmarshal(f.JSON, &part); err != nil {
			return nil, fmt.Errorf("openapi fragment of %s: %w", f.Capability, err)
		}
		for k, v := range part.Paths {
			if _, dup := paths[k]; dup {
				return nil, fmt.Errorf("openapi: path %s declared twice (%s)", k, f.Capability)
			}
			paths[k] = v
		}
		for k, v := range part.Components.Schemas {
			if _, dup := schemas[k]; dup {
				return nil, fmt.Errorf("openapi: schema %s declared twice (%s)", k, f.Capability)
			}
			schemas[k] = v
		}
	}
	doc["servers"] = []map[string]string{{"url": baseURL, "description": "Ce portail"}}
	return json.MarshalIndent(doc, "", "  ")
}

// apiOpenAPI serves the OpenAPI document.
func (s *Server) apiOpenAPI(c *fiber.Ctx) error {
	s.openapi.once.Do(func() { s.openapi.json, s.openapi.err = s.openapi.document(s.cfg.BaseURL.String()) })
	if s.openapi.err != nil {
		return s.openapi.err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(s.openapi.json)
}
