package account

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
	"maillage/internal/web/kit"
)

type tokensData struct {
	Tokens    []*maillage.APIToken
	Secret    string // the clear token just created, shown once
	Created   *maillage.APIToken
	BaseURL   string
	Lifetimes []int
}

func (a *Capability) tokensPage(c *fiber.Ctx, status int, d *tokensData, f *kit.Form) error {
	tokens, err := a.d.APITokens.FindAPITokens(c.UserContext(), kit.User(c).ID)
	if err != nil {
		return err
	}
	d.Tokens, d.BaseURL, d.Lifetimes = tokens, a.Config.BaseURL.String(), maillage.APITokenLifetimes
	p := a.Page(c, "account.tokens.title", "account", d)
	if f == nil {
		f = a.NewForm(c)
		f.Set("days", "90")
	}
	p.Form = f
	// The page may carry a secret: never keep it in a cache.
	kit.NoStore(c)
	return a.Render(c, status, "account/account_tokens", p)
}

// tokens lists the person's API tokens with a form to create one.
func (a *Capability) tokens(c *fiber.Ctx) error {
	return a.tokensPage(c, fiber.StatusOK, &tokensData{}, nil)
}

// tokenCreate creates a token and shows its secret once (no redirect: the
// secret must not travel in a URL nor a cookie).
func (a *Capability) tokenCreate(c *fiber.Ctx) error {
	f := a.PostedForm(c)
	days := 90 // the form's default
	if v := f.Value("days"); v != "" {
		days, _ = strconv.Atoi(v)
	}
	in := maillage.APITokenInput{Name: f.Value("name"), ReadOnly: f.On("read_only"), Days: days}
	t, secret, err := a.d.APITokens.CreateAPIToken(c.UserContext(), kit.User(c).ID, in, c.IP())
	if err != nil {
		if f.Fail(err) {
			return a.tokensPage(c, fiber.StatusUnprocessableEntity, &tokensData{}, f)
		}
		return err
	}
	a.Log.Info("api token created", "user_id", t.UserID, "token_id", t.ID)
	return a.tokensPage(c, fiber.StatusCreated, &tokensData{Secret: secret, Created: t}, nil)
}

// tokenRevoke revokes one of the person's tokens.
func (a *Capability) tokenRevoke(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	if err := a.d.APITokens.RevokeAPIToken(c.UserContext(), kit.User(c).ID, id, c.IP()); err != nil {
		return err
	}
	return a.RedirectFlash(c, "/compte/jetons", "account.flash.token_revoked")
}
