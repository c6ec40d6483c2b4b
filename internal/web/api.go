package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
)

// The JSON API (/api/…): helpers shared by its handlers. Every read of a
// profile goes through ProfileService with the viewer of the request, so
// Profile.ViewFor decides what each caller sees.

// viewerOf is who is asking: anonymous, a member, or an administrator.
func viewerOf(c *fiber.Ctx) maillage.Viewer {
	u := currentUser(c)
	if u == nil {
		return maillage.Anonymous
	}
	return maillage.Viewer{UserID: u.ID, Admin: u.Has(maillage.RoleAdministrateur)}
}

// listBody is the shape of every API list.
type listBody[T any] struct {
	Total  int `json:"total"`
	Limit  int `json:"limit,omitempty"`
	Offset int `json:"offset"`
	Items  []T `json:"items"`
}

func newList[T any](items []T, total, limit, offset int) listBody[T] {
	if items == nil {
		items = []T{}
	}
	return listBody[T]{Total: total, Limit: limit, Offset: offset, Items: items}
}

// API pagination bounds.
const (
	apiDefaultLimit = 20
	apiMaxLimit     = 100
	apiMaxOffset    = 100000
)

// query reads the query parameters of a list, collecting errors per parameter.
type query struct {
	c      *fiber.Ctx
	fields map[string]string
}

func newQuery(c *fiber.Ctx) *query { return &query{c: c, fields: map[string]string{}} }

func (q *query) page() (limit, offset int) {
	limit, offset = apiDefaultLimit, 0
	if v := q.c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > apiMaxLimit {
			q.fields["limit"] = fmt.Sprintf("La limite est un nombre entier de 1 à %d.", apiMaxLimit)
		}
		limit = n
	}
	if v := q.c.Query("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > apiMaxOffset {
			q.fields["offset"] = fmt.Sprintf("Le décalage (offset) est un nombre entier de 0 à %d.", apiMaxOffset)
		}
		offset = n
	}
	return limit, offset
}

func (q *query) boolean(name string) *bool {
	v := q.c.Query(name)
	if v == "" {
		return nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		q.fields[name] = "Indiquez true ou false."
		return nil
	}
	return &b
}

var territoryCode = regexp.MustCompile(`^[0-9][0-9AB][0-9]?$`)

// territory reads a département or région code (01, 2A, 974, 84…).
func (q *query) territory(name string) string {
	v := strings.ToUpper(strings.TrimSpace(q.c.Query(name)))
	if v != "" && !territoryCode.MatchString(v) {
		q.fields[name] = "Code officiel attendu (INSEE) : 2 ou 3 caractères, par exemple 69, 2A ou 974."
	}
	return v
}

func (q *query) err() error {
	if len(q.fields) > 0 {
		return invalidMap(q.fields)
	}
	return nil
}

// pathID reads the :id parameter; anything else than a positive integer is
// a 404, like an id that does not exist.
func pathID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, maillage.Errorf(maillage.ENOTFOUND, "Ressource introuvable.")
	}
	return id, nil
}

// decodeJSON reads a JSON object body into v, refusing unknown fields, with
// French messages naming the field at fault.
func decodeJSON(c *fiber.Ctx, v any) error {
	body := c.Body()
	if len(bytes.TrimSpace(body)) == 0 {
		return maillage.Errorf(maillage.EINVALID, "Le corps de la requête doit être un objet JSON.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			return maillage.Errorf(maillage.EINVALID, "Le corps de la requête doit contenir un seul objet JSON.")
		}
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return invalidMap(map[string]string{typeErr.Field: fmt.Sprintf("Type invalide : %s attendu.", jsonTypeName(typeErr.Type.Kind().String()))})
	case errors.As(err, &syntaxErr):
		return maillage.Wrap(maillage.EINVALID, err, fmt.Sprintf("JSON mal formé (position %d) : vérifiez les guillemets, virgules et accolades.", syntaxErr.Offset))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return invalidMap(map[string]string{name: "Champ inconnu : consultez /api/openapi.json pour les champs acceptés."})
	case errors.Is(err, io.ErrUnexpectedEOF):
		return maillage.Wrap(maillage.EINVALID, err, "JSON incomplet : le corps de la requête s'arrête avant la fin de l'objet.")
	}
	var fe *maillage.Error
	if errors.As(err, &fe) {
		return fe
	}
	return maillage.Wrap(maillage.EINVALID, err, "Le corps de la requête n'est pas un objet JSON valide.")
}

func jsonTypeName(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"):
		return "un nombre entier"
	case strings.HasPrefix(kind, "float"):
		return "un nombre"
	case kind == "string":
		return "un texte"
	case kind == "bool":
		return "true ou false"
	case kind == "slice":
		return "une liste"
	case kind == "map", kind == "struct":
		return "un objet"
	}
	return "une autre valeur"
}
