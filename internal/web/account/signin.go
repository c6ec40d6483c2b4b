package account

import (
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
	"maillage/internal/web/kit"
)

type signInData struct {
	Providers  []providerLink
	ReturnTo   string
	DevMailbox bool
}

type providerLink struct{ ID, Label string }

func (a *Capability) signInData(returnTo string) signInData {
	d := signInData{ReturnTo: kit.SafeReturn(returnTo, ""), DevMailbox: a.DevMailbox()}
	for _, p := range a.d.Auth.Providers {
		d.Providers = append(d.Providers, providerLink{p.ID, p.Label})
	}
	return d
}

// signIn shows the sign-in page: configured providers and the e-mail link.
func (a *Capability) signIn(c *fiber.Ctx) error {
	if kit.User(c) != nil {
		return kit.Redirect(c, kit.SafeReturn(c.Query("retour"), "/tableau-de-bord"))
	}
	p := a.Page(c, "account.signin.title", "", a.signInData(c.Query("retour")))
	p.Form = a.NewForm(c)
	return a.Render(c, fiber.StatusOK, "account/signin", p)
}

// signInEmailRequest sends a sign-in link (the answer is the same whether
// or not the address has an account).
func (a *Capability) signInEmailRequest(c *fiber.Ctx) error {
	f := a.PostedForm(c)
	returnTo := kit.SafeReturn(f.Value("retour"), "")
	err := a.d.Auth.RequestEmailLink(c.UserContext(), f.Value("email"), c.IP(), kit.Lang(c), returnTo)
	if err == nil {
		return kit.Redirect(c, "/connexion/email/envoye")
	}
	status := fiber.StatusUnprocessableEntity
	switch {
	case f.Fail(err):
	case maillage.ErrorCode(err) == maillage.ETOOMANY:
		status = fiber.StatusTooManyRequests
		f.FailMessage(err)
	default:
		return err
	}
	p := a.Page(c, "account.signin.title", "", a.signInData(returnTo))
	p.Form = f
	return a.Render(c, status, "account/signin", p)
}

func (a *Capability) signInEmailSent(c *fiber.Ctx) error {
	return a.Render(c, fiber.StatusOK, "account/signin_sent", a.Page(c, "account.signin.sent.title", "", a.signInData("")))
}

type confirmData struct{ Token, ReturnTo, Error string }

// signInEmailConfirm shows a button that uses the link: mail scanners that
// open links must not burn a single-use token.
func (a *Capability) signInEmailConfirm(c *fiber.Ctx) error {
	data := confirmData{Token: c.Query("jeton"), ReturnTo: kit.SafeReturn(c.Query("retour"), "")}
	status := fiber.StatusOK
	if err := a.d.Auth.CheckEmailLink(c.UserContext(), data.Token, c.IP()); err != nil {
		if maillage.ErrorCode(err) != maillage.EUNAUTHORIZED {
			return err
		}
		key, args := maillage.ErrorKey(err)
		data.Error = a.T(c, key, args...)
		status = fiber.StatusUnauthorized
	}
	return a.Render(c, status, "account/signin_confirm", a.Page(c, "account.signin.confirm.title", "", data))
}

// signInEmailVerify uses the link, opens the session and goes where the
// person was going (the link's retour, a same-site path).
func (a *Capability) signInEmailVerify(c *fiber.Ctx) error {
	f := a.PostedForm(c)
	si, err := a.d.Auth.SignInWithEmailLink(c.UserContext(), f.Value("jeton"), kit.ClientMeta(c))
	if err != nil {
		if maillage.ErrorCode(err) != maillage.EUNAUTHORIZED {
			return err
		}
		key, args := maillage.ErrorKey(err)
		data := confirmData{Error: a.T(c, key, args...)}
		return a.Render(c, fiber.StatusUnauthorized, "account/signin_confirm", a.Page(c, "account.signin.confirm.title", "", data))
	}
	a.StartSession(c, si.Token)
	flash := ""
	if si.Created {
		flash = "account.flash.welcome"
	}
	return a.RedirectFlash(c, kit.SafeReturn(f.Value("retour"), "/tableau-de-bord"), flash)
}

// signInProvider starts a goth sign-in and binds it to this browser.
func (a *Capability) signInProvider(c *fiber.Ctx) error {
	authURL, state, err := a.d.Auth.Begin(c.UserContext(), c.Params("provider"), kit.SafeReturn(c.Query("retour"), ""), c.IP())
	if err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: "maillage_flow", Value: state, Path: "/auth", HTTPOnly: true, Secure: a.Secure(),
		SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Now().Add(10 * time.Minute)})
	// The provider's authorization URL is the one external redirect.
	return c.Redirect(authURL, fiber.StatusSeeOther)
}

// signInCallback finishes a goth sign-in.
func (a *Capability) signInCallback(c *fiber.Ctx) error {
	q := url.Values{}
	c.Context().QueryArgs().VisitAll(func(k, v []byte) { q.Add(string(k), string(v)) })
	res, err := a.d.Auth.Callback(c.UserContext(), c.Params("provider"), q, c.Cookies("maillage_flow"), kit.ClientMeta(c))
	c.Cookie(&fiber.Cookie{Name: "maillage_flow", Value: "", Path: "/auth", HTTPOnly: true, MaxAge: -1, Expires: time.Unix(0, 0)})
	if err != nil {
		code := maillage.ErrorCode(err)
		if code == maillage.EUNAUTHORIZED || code == maillage.ECONFLICT || code == maillage.ENOTFOUND {
			p := a.Page(c, "account.signin.title", "", a.signInData(""))
			key, args := maillage.ErrorKey(err)
			p.Flash = &kit.Flash{Kind: "error", Message: a.T(c, key, args...)}
			p.Form = a.NewForm(c)
			status := fiber.StatusUnauthorized
			if code == maillage.ENOTFOUND {
				status = fiber.StatusNotFound
			}
			return a.Render(c, status, "account/signin", p)
		}
		return err
	}
	if res.PendingLink {
		return a.Render(c, fiber.StatusOK, "account/signin_pending_link", a.Page(c, "account.signin.pending.title", "", res.User.Email))
	}
	a.StartSession(c, res.Token)
	flash := ""
	if res.Created {
		flash = "account.flash.welcome"
	}
	return a.RedirectFlash(c, kit.SafeReturn(res.ReturnTo, "/tableau-de-bord"), flash)
}

// signOut ends this session (and the provider's, when it offers it).
func (a *Capability) signOut(c *fiber.Ctx) error {
	next, err := a.d.Auth.SignOut(c.UserContext(), kit.User(c), kit.Session(c))
	if err != nil {
		return err
	}
	a.EndSession(c)
	if next != "/" {
		// The provider's end-session endpoint (its origin is allowed by
		// the CSP's form-action); the message waits for the return.
		a.Flash(c, "account.flash.signed_out")
		return c.Redirect(next, fiber.StatusSeeOther)
	}
	return a.RedirectFlash(c, "/", "account.flash.signed_out")
}

// devMails lists the mails kept by the development mailbox.
func (a *Capability) devMails(c *fiber.Ctx) error {
	mails, _, err := a.d.Mails.FindMails(c.UserContext(), maillage.MailFilter{Limit: 50})
	if err != nil {
		return err
	}
	kit.NoStore(c)
	return a.Render(c, fiber.StatusOK, "account/dev_mails", a.Page(c, "account.devmail.title", "", mails))
}
