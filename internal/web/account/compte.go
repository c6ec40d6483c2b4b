package account

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
	"maillage/internal/web/kit"
)

type accountData struct {
	Identities []*maillage.Identity
	Sessions   []*maillage.Session
	Pending    []*maillage.PendingLink
	Current    string
}

func (a *Capability) accountPage(c *fiber.Ctx, status int, f *kit.Form) error {
	u := kit.User(c)
	ctx := c.UserContext()
	ids, err := a.d.Users.FindIdentities(ctx, u.ID)
	if err != nil {
		return err
	}
	sess, err := a.d.Sessions.FindSessions(ctx, u.ID)
	if err != nil {
		return err
	}
	pending, err := a.d.Users.FindPendingLinks(ctx, u.Email)
	if err != nil {
		return err
	}
	d := &accountData{Identities: ids, Sessions: sess, Pending: pending}
	if s := kit.Session(c); s != nil {
		d.Current = s.IDHash
	}
	p := a.Page(c, "account.title", "account", d)
	if f == nil {
		f = a.NewForm(c)
		f.Set("display_name", u.DisplayName)
	}
	p.Form = f
	return a.Render(c, status, "account/account", p)
}

// account shows identities, sessions, pending links, export and deletion.
func (a *Capability) account(c *fiber.Ctx) error { return a.accountPage(c, fiber.StatusOK, nil) }

// accountName changes the person's one name (account and profile alike).
func (a *Capability) accountName(c *fiber.Ctx) error {
	f := a.PostedForm(c)
	if err := a.d.Users.UpdateDisplayName(c.UserContext(), kit.User(c).ID, f.Value("display_name")); err != nil {
		if f.Fail(err) {
			return a.accountPage(c, fiber.StatusUnprocessableEntity, f)
		}
		return err
	}
	return a.RedirectFlash(c, "/compte", "account.flash.name_saved")
}

func (a *Capability) accountRevokeSession(c *fiber.Ctx) error {
	if err := a.d.Sessions.RevokeSession(c.UserContext(), kit.User(c).ID, c.Params("id")); err != nil {
		return err
	}
	if s := kit.Session(c); s != nil && c.Params("id") == s.IDHash {
		a.EndSession(c)
		return a.RedirectFlash(c, "/", "account.flash.signed_out")
	}
	return a.RedirectFlash(c, "/compte", "account.flash.session_revoked")
}

// accountRevokeAll signs out everywhere, this browser included.
func (a *Capability) accountRevokeAll(c *fiber.Ctx) error {
	u := kit.User(c)
	n, err := a.d.Sessions.RevokeSessions(c.UserContext(), u.ID)
	if err != nil {
		return err
	}
	a.Log.Info("signed out everywhere", "user_id", u.ID, "sessions", n)
	a.EndSession(c)
	return a.RedirectFlash(c, "/", "account.flash.signed_out_all")
}

func (a *Capability) accountConfirmLink(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := a.d.Users.ConfirmLink(c.UserContext(), kit.User(c).ID, id); err != nil {
		return err
	}
	return a.RedirectFlash(c, "/compte", "account.flash.link_confirmed")
}

func (a *Capability) accountRemoveIdentity(c *fiber.Ctx) error {
	id, err := kit.PathID(c, "id")
	if err != nil {
		return err
	}
	if err := a.d.Users.RemoveIdentity(c.UserContext(), kit.User(c).ID, id); err != nil {
		return err
	}
	return a.RedirectFlash(c, "/compte", "account.flash.identity_removed")
}

// accountExport downloads everything held about the person, as JSON.
func (a *Capability) accountExport(c *fiber.Ctx) error {
	ctx, u := c.UserContext(), kit.User(c)
	exp, err := a.d.Users.ExportUser(ctx, u.ID)
	if err != nil {
		return err
	}
	if exp.Extra == nil {
		exp.Extra = map[string]any{}
	}
	if p, err := a.d.Profiles.FindProfileByUserID(ctx, u.ID); err == nil {
		exp.Extra["profile"] = p
	} else if maillage.ErrorCode(err) != maillage.ENOTFOUND {
		return err
	}
	toks, err := a.d.APITokens.FindAPITokens(ctx, u.ID)
	if err != nil {
		return err
	}
	exp.Extra["api_tokens"] = toks
	b, err := json.MarshalIndent(exp, "", "  ")
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="maillage-mes-donnees-`+time.Now().Format("2006-01-02")+`.json"`)
	kit.NoStore(c)
	return c.Send(b)
}

func (a *Capability) accountDeleteForm(c *fiber.Ctx) error {
	p := a.Page(c, "account.delete_page.title", "account", nil)
	p.Form = a.NewForm(c)
	return a.Render(c, fiber.StatusOK, "account/account_delete", p)
}

// accountDelete erases the account once the person typed their address.
func (a *Capability) accountDelete(c *fiber.Ctx) error {
	u := kit.User(c)
	f := a.PostedForm(c)
	expected := u.Email
	if expected == "" { // an account known only through a provider that did not vouch for an address
		expected = "SUPPRIMER"
	}
	if !strings.EqualFold(f.Value("confirm"), expected) {
		f.Add("confirm", "account.delete_page.confirm.error")
		p := a.Page(c, "account.delete_page.title", "account", nil)
		p.Form = f
		return a.Render(c, fiber.StatusUnprocessableEntity, "account/account_delete", p)
	}
	if err := a.d.Users.DeleteUser(c.UserContext(), u.ID, c.IP()); err != nil {
		return err
	}
	a.Log.Info("account deleted", "user_id", u.ID)
	a.EndSession(c)
	return a.RedirectFlash(c, "/", "account.flash.account_deleted")
}
