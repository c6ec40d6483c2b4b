package web

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/auth"
	"maillage/internal/maillage"
)

func authRandom() string { return auth.RandomToken(32) }

// dashboard is where a person lands after signing in.
func (s *Server) dashboard(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, "dashboard", s.page(c, "home.dashboard.title", "dashboard", struct {
		RoleLabels map[maillage.Role]string
	}{roleLabels}))
}

type accountData struct {
	Identities []*maillage.Identity
	Sessions   []*maillage.Session
	Pending    []*maillage.PendingLink
	Current    string
	RoleLabels map[maillage.Role]string
}

func (s *Server) accountData(c *fiber.Ctx) (*accountData, error) {
	u := currentUser(c)
	ctx := c.UserContext()
	ids, err := s.Users.FindIdentities(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	sess, err := s.Sessions.FindSessions(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	pending, err := s.Users.FindPendingLinks(ctx, u.Email)
	if err != nil {
		return nil, err
	}
	return &accountData{Identities: ids, Sessions: sess, Pending: pending, Current: currentSession(c).IDHash, RoleLabels: roleLabels}, nil
}

// account shows identities, sessions, pending links, export and deletion.
func (s *Server) account(c *fiber.Ctx) error {
	d, err := s.accountData(c)
	if err != nil {
		return err
	}
	p := s.page(c, "account.title", "account", d)
	p.Form = &Form{Values: map[string]string{"display_name": p.User.DisplayName}}
	return s.render(c, fiber.StatusOK, "account", p)
}

func (s *Server) accountName(c *fiber.Ctx) error {
	name := c.FormValue("display_name")
	if err := s.Users.UpdateDisplayName(c.UserContext(), currentUser(c).ID, name); err != nil {
		if fields := errorFields(err); fields != nil {
			d, derr := s.accountData(c)
			if derr != nil {
				return derr
			}
			p := s.page(c, "account.title", "account", d)
			p.Form = &Form{Values: map[string]string{"display_name": name}, Errors: fields}
			return s.render(c, fiber.StatusUnprocessableEntity, "account", p)
		}
		return err
	}
	return s.redirectFlash(c, "/compte", "name_saved")
}

func (s *Server) accountRevokeSession(c *fiber.Ctx) error {
	if err := s.Sessions.RevokeSession(c.UserContext(), currentUser(c).ID, c.Params("id")); err != nil {
		return err
	}
	if c.Params("id") == currentSession(c).IDHash {
		s.clearCookie(c, sessionCookie)
		return s.redirectFlash(c, "/", "signed_out")
	}
	return s.redirectFlash(c, "/compte", "session_revoked")
}

// accountRevokeAll signs out everywhere, this browser included.
func (s *Server) accountRevokeAll(c *fiber.Ctx) error {
	u := currentUser(c)
	n, err := s.Sessions.RevokeSessions(c.UserContext(), u.ID)
	if err != nil {
		return err
	}
	s.log.Info("signed out everywhere", "user_id", u.ID, "sessions", n)
	s.clearCookie(c, sessionCookie)
	return s.redirectFlash(c, "/", "signed_out_all")
}

func (s *Server) accountConfirmLink(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return fiber.ErrNotFound
	}
	if _, err := s.Users.ConfirmLink(c.UserContext(), currentUser(c).ID, id); err != nil {
		return err
	}
	return s.redirectFlash(c, "/compte", "link_confirmed")
}

func (s *Server) accountRemoveIdentity(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return fiber.ErrNotFound
	}
	if err := s.Users.RemoveIdentity(c.UserContext(), currentUser(c).ID, id); err != nil {
		return err
	}
	return s.redirectFlash(c, "/compte", "identity_removed")
}

// accountExport downloads everything held about the person, as JSON.
func (s *Server) accountExport(c *fiber.Ctx) error {
	ctx, u := c.UserContext(), currentUser(c)
	exp, err := s.Users.ExportUser(ctx, u.ID)
	if err != nil {
		return err
	}
	exp.Extra = map[string]any{}
	if p, err := s.Profiles.FindProfileByUserID(ctx, u.ID); err == nil {
		exp.Extra["profile"] = p
	} else if maillage.ErrorCode(err) != maillage.ENOTFOUND {
		return err
	}
	if s.Auth.Tokens != nil {
		toks, err := s.Auth.Tokens.FindAPITokens(ctx, u.ID)
		if err != nil {
			return err
		}
		exp.Extra["api_tokens"] = toks
	}
	b, err := json.MarshalIndent(exp, "", "  ")
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="maillage-mes-donnees-`+time.Now().Format("2006-01-02")+`.json"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(b)
}

func (s *Server) accountDeleteForm(c *fiber.Ctx) error {
	p := s.page(c, "account.delete_page.title", "account", nil)
	p.Form = &Form{Values: map[string]string{}}
	return s.render(c, fiber.StatusOK, "account_delete", p)
}

// accountDelete erases the account once the person typed their address.
func (s *Server) accountDelete(c *fiber.Ctx) error {
	u := currentUser(c)
	typed := c.FormValue("confirm")
	expected := u.Email
	if expected == "" { // an account known only through a provider that did not vouch for an address
		expected = "SUPPRIMER"
	}
	if !strings.EqualFold(strings.TrimSpace(typed), expected) {
		p := s.page(c, "account.delete_page.title", "account", nil)
		p.Form = &Form{Values: map[string]string{"confirm": typed}, Errors: map[string]string{"confirm": translate(p.Lang, "account.delete_page.confirm.error")}}
		return s.render(c, fiber.StatusUnprocessableEntity, "account_delete", p)
	}
	if err := s.Users.DeleteUser(c.UserContext(), u.ID, c.IP()); err != nil {
		return err
	}
	s.log.Info("account deleted", "user_id", u.ID)
	s.clearCookie(c, sessionCookie)
	return s.redirectFlash(c, "/", "account_deleted")
}
