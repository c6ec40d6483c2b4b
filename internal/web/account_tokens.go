package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
)

type accountTokensData struct {
	Tokens  []*maillage.APIToken
	Secret  string // the clear token just created, shown once
	Created *maillage.APIToken
	BaseURL string
}

func (s *Server) accountTokensPage(c *fiber.Ctx, status int, d *accountTokensData, form *Form) error {
	tokens, err := s.APITokens.FindAPITokens(c.UserContext(), currentUser(c).ID)
	if err != nil {
		return err
	}
	d.Tokens, d.BaseURL = tokens, s.cfg.BaseURL.String()
	p := s.page(c, "account.tokens.title", "account", d)
	if form == nil {
		form = &Form{Values: map[string]string{}}
	}
	p.Form = form
	// The page may carry a secret: never keep it in a cache.
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.render(c, status, "account_tokens", p)
}

// accountTokens lists the person's API tokens with a form to create one.
func (s *Server) accountTokens(c *fiber.Ctx) error {
	return s.accountTokensPage(c, fiber.StatusOK, &accountTokensData{}, nil)
}

// accountTokenCreate creates a token and shows its secret once (no
// redirect: the secret must not travel in a URL nor a cookie).
func (s *Server) accountTokenCreate(c *fiber.Ctx) error {
	name := c.FormValue("name")
	t, secret, err := s.APITokens.CreateAPIToken(c.UserContext(), currentUser(c).ID, name, c.IP())
	if err != nil {
		if fields := errorFields(err); fields != nil {
			return s.accountTokensPage(c, fiber.StatusUnprocessableEntity, &accountTokensData{}, &Form{Values: map[string]string{"name": name}, Errors: fields})
		}
		return err
	}
	s.logger(c).Info("api token created", "user_id", t.UserID, "token_id", t.ID)
	return s.accountTokensPage(c, fiber.StatusCreated, &accountTokensData{Secret: secret, Created: t}, nil)
}

// accountTokenRevoke revokes one of the person's tokens.
func (s *Server) accountTokenRevoke(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return fiber.ErrNotFound
	}
	if err := s.APITokens.RevokeAPIToken(c.UserContext(), currentUser(c).ID, id, c.IP()); err != nil {
		return err
	}
	return s.redirectFlash(c, "/compte/jetons", "token_revoked")
}
