package kit

import (
	"github.com/gofiber/fiber/v2"

	"maillage/internal/auth"
)

// RouteInfo is a declared route and its permission.
type RouteInfo struct {
	Method, Path string
	Perm         auth.Permission
	Capability   string
}

// Router is what a capability mounts on: every route goes through Route
// with its permission (the authorization-matrix test fails for a route
// registered otherwise), plus menu entries, next steps and an OpenAPI
// fragment.
type Router struct {
	kit        *Kit
	app        *fiber.App
	gate       func(auth.Permission) fiber.Handler
	capability string
	routes     *[]RouteInfo
	openapi    *[]Fragment
}

// Fragment is a capability's part of the OpenAPI document.
type Fragment struct {
	Capability string
	JSON       []byte
}

// NewRouter is used by the web server for each capability.
func NewRouter(k *Kit, app *fiber.App, gate func(auth.Permission) fiber.Handler, capability string, routes *[]RouteInfo, openapi *[]Fragment) *Router {
	return &Router{kit: k, app: app, gate: gate, capability: capability, routes: routes, openapi: openapi}
}

// Kit returns the shared kit.
func (r *Router) Kit() *Kit { return r.kit }

// Route registers a handler with its permission.
func (r *Router) Route(method, path string, perm auth.Permission, h fiber.Handler) {
	*r.routes = append(*r.routes, RouteInfo{Method: method, Path: path, Perm: perm, Capability: r.capability})
	r.app.Add(method, path, r.gate(perm), h)
}

// Get registers a GET route.
func (r *Router) Get(path string, perm auth.Permission, h fiber.Handler) {
	r.Route(fiber.MethodGet, path, perm, h)
}

// Post registers a POST route.
func (r *Router) Post(path string, perm auth.Permission, h fiber.Handler) {
	r.Route(fiber.MethodPost, path, perm, h)
}

// Put registers a PUT route.
func (r *Router) Put(path string, perm auth.Permission, h fiber.Handler) {
	r.Route(fiber.MethodPut, path, perm, h)
}

// Delete registers a DELETE route.
func (r *Router) Delete(path string, perm auth.Permission, h fiber.Handler) {
	r.Route(fiber.MethodDelete, path, perm, h)
}

// Menu adds an entry to the main navigation.
func (r *Router) Menu(item MenuItem) {
	r.kit.menu = append(r.kit.menu, item)
	for i := len(r.kit.menu) - 1; i > 0 && r.kit.menu[i].Order < r.kit.menu[i-1].Order; i-- {
		r.kit.menu[i], r.kit.menu[i-1] = r.kit.menu[i-1], r.kit.menu[i]
	}
}

// Steps adds the capability's next steps to the dashboard.
func (r *Router) Steps(f StepsFunc) { r.kit.steps = append(r.kit.steps, f) }

// Notices adds the capability's notices to the pages of signed-in people.
func (r *Router) Notices(f NoticesFunc) { r.kit.notices = append(r.kit.notices, f) }

// ProfileBadges adds the capability's badges to the profile pages.
func (r *Router) ProfileBadges(f BadgesFunc) { r.kit.badges = append(r.kit.badges, f) }

// OpenAPI adds the capability's fragment (paths and components, OpenAPI
// 3.0.3 JSON) to /api/openapi.json.
func (r *Router) OpenAPI(fragment []byte) {
	*r.openapi = append(*r.openapi, Fragment{Capability: r.capability, JSON: fragment})
}
