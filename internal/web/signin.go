package web

import (
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
)

type signInData struct {
	Providers  []providerLink
	ReturnTo   string
	DevMailbox bool
}

type providerLink struct{ ID, Label string }

func (s *Server) signInData(c *fiber.Ctx) signInData {
	d := signInData{ReturnTo: c.Query("retour"), DevMailbox: s.devMailboxEnabled()}
	for _, p := range s.Auth.Providers {
		d.Providers = append(d.Providers, providerLink{p.ID, p.Label})
	}
	return d
}

// signIn shows the sign-in page: configured providers and the e-mail link.
func (s *Server) signIn(c *fiber.Ctx) error {
	if currentUser(c) != nil {
		return c.Redirect("/tableau-de-bord", fiber.StatusSeeOther)
	}
	p := s.page(c, "account.signin.title", "", s.signInData(c))
	p.Form = &Form{Values: map[string]string{}}
	return s.render(c, fiber.StatusOK, "signin", p)
}

// signInEmailRequest sends a sign-in link.
func (s *Server) signInEmailRequest(c *fiber.Ctx) error {
	email := c.FormValue("email")
	err := s.Auth.RequestEmailLink(c.UserContext(), email, c.IP())
	if err != nil {
		if fields := errorFields(err); fields != nil || maillage.ErrorCode(err) == maillage.ETOOMANY {
			p := s.page(c, "account.signin.title", "", s.signInData(c))
			p.Form = &Form{Values: map[string]string{"email": email}, Errors: fields}
			if fields == nil {
				p.Form.Errors = map[string]string{"email": errorMessage(err)}
			}
			status := fiber.StatusUnprocessableEntity
			if maillage.ErrorCode(err) == maillage.ETOOMANY {
				status = fiber.StatusTooManyRequests
			}
			return s.render(c, status, "signin", p)
		}
		return err
	}
	return c.Redirect("/connexion/email/envoye", fiber.StatusSeeOther)
}

func (s *Server) signInEmailSent(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, "signin_sent", s.page(c, "account.signin.sent.title", "", s.signInData(c)))
}

// signInEmailConfirm shows a button that uses the link: mail scanners that
// open links must not burn a single-use token.
func (s *Server) signInEmailConfirm(c *fiber.Ctx) error {
	token := c.Query("jeton")
	data := struct {
		Token, Error string
	}{Token: token}
	status := fiber.StatusOK
	if err := s.Auth.CheckEmailLink(c.UserContext(), token, c.IP()); err != nil {
		if maillage.ErrorCode(err) != maillage.EUNAUTHORIZED {
			return err
		}
		data.Error = errorMessage(err)
		status = fiber.StatusUnauthorized
	}
	return s.render(c, status, "signin_confirm", s.page(c, "account.signin.confirm.title", "", data))
}

// signInEmailVerify uses the link and opens the session.
func (s *Server) signInEmailVerify(c *fiber.Ctx) error {
	si, err := s.Auth.SignInWithEmailLink(c.UserContext(), c.FormValue("jeton"), clientMeta(c))
	if err != nil {
		if maillage.ErrorCode(err) != maillage.EUNAUTHORIZED {
			return err
		}
		data := struct{ Token, Error string }{Error: errorMessage(err)}
		return s.render(c, fiber.StatusUnauthorized, "signin_confirm", s.page(c, "account.signin.confirm.title", "", data))
	}
	s.startSession(c, si.Token)
	flash := ""
	if si.Created {
		flash = "welcome"
	}
	return s.redirectFlash(c, "/tableau-de-bord", flash)
}

// startSession sets a new session cookie and rotates the CSRF token.
func (s *Server) startSession(c *fiber.Ctx, token string) {
	s.setSessionCookie(c, token)
	s.setCSRFCookie(c, authRandom())
}

// signInProvider starts a goth sign-in and binds it to this browser.
func (s *Server) signInProvider(c *fiber.Ctx) error {
	authURL, state, err := s.Auth.Begin(c.UserContext(), c.Params("provider"), c.Query("retour"), c.IP())
	if err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: flowCookie, Value: state, Path: "/auth", HTTPOnly: true, Secure: s.secureCookies(),
		SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Now().Add(10 * time.Minute)})
	return c.Redirect(authURL, fiber.StatusSeeOther)
}

// signInCallback finishes a goth sign-in.
func (s *Server) signInCallback(c *fiber.Ctx) error {
	q := url.Values{}
	c.Context().QueryArgs().VisitAll(func(k, v []byte) { q.Add(string(k), string(v)) })
	res, err := s.Auth.Callback(c.UserContext(), c.Params("provider"), q, c.Cookies(flowCookie), clientMeta(c))
	c.Cookie(&fiber.Cookie{Name: flowCookie, Value: "", Path: "/auth", HTTPOnly: true, MaxAge: -1, Expires: time.Unix(0, 0)})
	if err != nil {
		code := maillage.ErrorCode(err)
		if code == maillage.EUNAUTHORIZED || code == maillage.ECONFLICT || code == maillage.ENOTFOUND {
			data := s.signInData(c)
			p := s.page(c, "account.signin.title", "", data)
			p.Flash = &Flash{Kind: "error", Message: errorMessage(err)}
			p.Form = &Form{Values: map[string]string{}}
			status := fiber.StatusUnauthorized
			if code == maillage.ENOTFOUND {
				status = fiber.StatusNotFound
			}
			return s.render(c, status, "signin", p)
		}
		return err
	}
	if res.PendingLink {
		return s.render(c, fiber.StatusOK, "signin_pending_link", s.page(c, "account.signin.pending.title", "", res.User.Email))
	}
	s.startSession(c, res.Token)
	to := res.ReturnTo
	if to == "" {
		to = "/tableau-de-bord"
	}
	flash := ""
	if res.Created {
		flash = "welcome"
	}
	return s.redirectFlash(c, to, flash)
}

// signOut ends this session (and the provider's, when it offers it).
func (s *Server) signOut(c *fiber.Ctx) error {
	next, err := s.Auth.SignOut(c.UserContext(), currentUser(c), currentSession(c))
	if err != nil {
		return err
	}
	s.clearCookie(c, sessionCookie)
	s.setCSRFCookie(c, authRandom())
	if next != "/" {
		return c.Redirect(next, fiber.StatusSeeOther)
	}
	return s.redirectFlash(c, "/", "signed_out")
}

// devMails lists the mails kept by the development mailbox.
func (s *Server) devMails(c *fiber.Ctx) error {
	mails, err := s.Auth.Store.FindDevMails(c.UserContext(), 50)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "dev_mails", s.page(c, "account.devmail.title", "", mails))
}
