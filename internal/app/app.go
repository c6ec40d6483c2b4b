// Package app wires the portal together from a configuration: storage,
// search, content, services and the web server. The command and the tests
// share it, so what is tested is what runs.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"maillage/content"
	"maillage/internal/auth"
	"maillage/internal/config"
	"maillage/internal/i18n"
	"maillage/internal/label"
	"maillage/internal/lieux"
	"maillage/internal/loader"
	"maillage/internal/mail"
	"maillage/internal/maillage"
	"maillage/internal/postgres"
	"maillage/internal/search"
	"maillage/internal/web"
	"maillage/internal/web/account"
	"maillage/internal/web/admin"
	cartoweb "maillage/internal/web/carto"
	charterweb "maillage/internal/web/charter"
	"maillage/internal/web/home"
	"maillage/internal/web/kit"
	labelweb "maillage/internal/web/label"
	lieuxweb "maillage/internal/web/lieux"
	mentoringweb "maillage/internal/web/mentoring"
	"maillage/internal/web/network"
	recruitingweb "maillage/internal/web/recruiting"
	searchweb "maillage/internal/web/search"
	trainingweb "maillage/internal/web/training"
	webfs "maillage/web"
)

// App is a wired portal.
type App struct {
	Config *config.Config
	Log    *slog.Logger
	DB     *postgres.DB
	Search *search.Client
	Web    *web.Server

	Users     *postgres.UserService
	Sessions  *postgres.SessionService
	AuthStore *postgres.AuthStore
	Auth      *auth.Service

	// Mail: the outbox (mails are written in the transaction of their
	// change; the development mailbox lists it) and its worker.
	Mails      *postgres.MailStore
	MailWorker *mail.Worker

	Profiles    *postgres.ProfileService
	Structures  *postgres.StructureService
	Referential *postgres.ReferentialService
	APITokens   *postgres.APITokenService
	Territories *postgres.TerritoryService
	// Charter is the aidant charter: versions, the chain of signatures,
	// structures' views (its worker announces new versions).
	Charter *postgres.CharterService
	// LieuxImports runs the imports of places in the background.
	LieuxImports *lieux.Service
	// Labels is the quality label: programmes, applications, reviews,
	// labels and their register (its worker sends reminders and exports).
	Labels *postgres.LabelService
	// Training: training bodies, offers, sessions, LHEO and RNCP, paths.
	Training *postgres.TrainingService
	// Mentoring: requests, pairings, meetings, coverage and matching.
	Mentoring *postgres.MentoringService
	// Recruiting: job offers, candidates, applications, contacts.
	Recruiting *postgres.RecruitingService

	// Catalog holds every message of the portal (French and English).
	Catalog *i18n.Catalog

	// Search: the registry of search types, the outbox-driven sync (run
	// it with SearchSync.Run) and the search service (Meilisearch,
	// PostgreSQL fallback).
	SearchRegistry *search.Registry
	SearchStore    *postgres.SearchStore
	SearchSync     *search.Syncer
	SearchService  *search.Service
}

// NewAuth builds the sign-in service and its providers from the
// configuration. Its mails go to the outbox through store; the mail worker
// (NewMailWorker) sends them.
func NewAuth(cfg *config.Config, users maillage.UserService, sessions maillage.SessionService, store maillage.AuthStore, tokens maillage.APITokenService, log *slog.Logger) *auth.Service {
	svc := auth.NewService(auth.Config{
		BaseURL:     cfg.BaseURL,
		SessionIdle: cfg.SessionIdle,
		SessionMax:  cfg.SessionMax,
		AdminEmails: cfg.AdminEmails,
		DevMailbox:  cfg.SMTPURL == nil,
	}, users, sessions, store, log)
	svc.Tokens = tokens
	callback := func(id string) string { return cfg.BaseURL.String() + "/auth/" + id + "/callback" }
	if cfg.OIDC.Enabled() {
		svc.Providers = append(svc.Providers, auth.NewOIDCProvider(auth.OIDCOptions{
			ID: "oidc", Label: cfg.OIDC.Label, Issuer: cfg.OIDC.Issuer,
			ClientID: cfg.OIDC.ClientID, ClientSecret: cfg.OIDC.ClientSecret, CallbackURL: callback("oidc"),
			Scopes: cfg.OIDC.Scopes, AcrValues: cfg.OIDC.AcrValues, TrustEmail: cfg.OIDC.TrustEmail,
		}))
	}
	if cfg.GitHub.Enabled() {
		svc.Providers = append(svc.Providers, auth.NewGitHubProvider(cfg.GitHub.ClientID, cfg.GitHub.ClientSecret, callback("github")))
	}
	if cfg.Google.Enabled() {
		svc.Providers = append(svc.Providers, auth.NewGoogleProvider(cfg.Google.ClientID, cfg.Google.ClientSecret, callback("google")))
	}
	return svc
}

// Options tune Open.
type Options struct {
	// SkipMigrate is for tests whose database is a clone of a migrated template.
	SkipMigrate bool
}

// Open connects, migrates, syncs content and builds the web server.
func Open(ctx context.Context, cfg *config.Config, log *slog.Logger, opts Options) (*App, error) {
	db, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Log: log, DB: db}
	if !opts.SkipMigrate {
		if err := Prepare(ctx, db, log); err != nil {
			db.Close()
			return nil, err
		}
	}
	a.Search = search.New(cfg.MeiliURL, cfg.MeiliKey, cfg.IndexPrefix)
	a.Users = postgres.NewUserService(db)
	a.Sessions = postgres.NewSessionService(db)
	a.AuthStore = postgres.NewAuthStore(db)
	a.APITokens = postgres.NewAPITokenService(db)
	a.Auth = NewAuth(cfg, a.Users, a.Sessions, a.AuthStore, a.APITokens, log)
	a.Mails = postgres.NewMailStore(db)
	if a.MailWorker, err = NewMailWorker(cfg, a.Mails, log); err != nil {
		db.Close()
		return nil, err
	}
	a.Profiles = postgres.NewProfileService(db)
	a.Structures = postgres.NewStructureService(db)
	a.Referential = postgres.NewReferentialService(db)
	a.Territories = postgres.NewTerritoryService(db)
	a.LieuxImports = postgres.NewImportService(db, log)
	a.Labels = postgres.NewLabelService(db, cfg.FilesDir)
	if progs, err := label.LoadProgrammes(content.FS(), "labels"); err != nil {
		db.Close()
		return nil, err
	} else if err := a.Labels.SyncProgrammes(ctx, progs); err != nil {
		db.Close()
		return nil, err
	}
	a.Users.Forget = append(a.Users.Forget, a.Labels.ForgetAccount)
	a.Users.Export = append(a.Users.Export, a.Labels.ExportAccount)
	a.Training = postgres.NewTrainingService(db)
	a.Training.Log = log
	a.Mentoring = postgres.NewMentoringService(db)
	a.Mentoring.Log = log
	a.Users.Forget = append(a.Users.Forget, a.Mentoring.ForgetAccount)
	a.Users.Export = append(a.Users.Export, a.Mentoring.ExportAccount)
	a.Users.Forget = append(a.Users.Forget, a.Training.ForgetAccount)
	a.Users.Export = append(a.Users.Export, a.Training.ExportAccount)
	a.Charter = postgres.NewCharterService(db)
	a.Recruiting = postgres.NewRecruitingService(db, cfg.FilesDir)
	a.Users.Forget = append(a.Users.Forget, a.Recruiting.ForgetAccount)
	a.Users.Export = append(a.Users.Export, a.Recruiting.ExportAccount)
	synonyms, err := search.LoadSynonyms(content.FS())
	if err != nil {
		db.Close()
		return nil, err
	}
	french := func(key string, args ...any) string { return a.Catalog.T(i18n.FR, key, args...) }
	a.SearchStore = postgres.NewSearchStore(db)
	// The search types, in display order: one line each.
	a.SearchRegistry, err = search.NewRegistry(
		search.Profiles(a.SearchStore, french, synonyms),
		search.Structures(a.SearchStore, french, synonyms),
		search.Trainings(a.SearchStore, french, synonyms),
		search.Jobs(a.Recruiting, french, synonyms),
		search.LabelledPlaces(a.Labels, synonyms),
		search.Applications(a.Labels, synonyms),
	)
	if err != nil {
		db.Close()
		return nil, err
	}
	a.SearchSync = &search.Syncer{Client: a.Search, Registry: a.SearchRegistry, IDs: a.SearchStore, Outbox: a.SearchStore, Log: log}
	a.SearchService = &search.Service{Client: a.Search, Registry: a.SearchRegistry, Territories: a.Territories,
		Fallback: postgres.NewSearchFallback(db, french), Pending: a.SearchStore, Cache: search.NewCache(cfg.SearchCache), Log: log}
	// Every capability with the services it uses: the catalogue holds
	// their messages, the web server mounts their routes.
	caps := capabilities(a)
	if a.Catalog, err = NewCatalog(caps); err != nil {
		db.Close()
		return nil, err
	}
	a.Auth.Texts = a.Catalog
	a.Structures.BaseURL, a.Structures.Texts = cfg.BaseURL.String(), a.Catalog
	a.Labels.BaseURL, a.Labels.Texts, a.Labels.Users, a.Labels.Log = cfg.BaseURL.String(), a.Catalog, a.Users, log
	a.Mentoring.BaseURL, a.Mentoring.Texts = cfg.BaseURL.String(), a.Catalog
	a.Charter.BaseURL, a.Charter.Texts = cfg.BaseURL.String(), a.Catalog
	a.Recruiting.BaseURL, a.Recruiting.Texts, a.Recruiting.Log = cfg.BaseURL.String(), a.Catalog, log
	a.Web, err = web.New(web.Deps{
		Config: cfg, Log: log, Catalog: a.Catalog,
		Templates: webfs.Templates(), Static: webfs.Static(),
		Auth: a.Auth, Postgres: db, Meili: a.Search,
		Capabilities: caps,
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

// Prepare applies migrations and syncs content/ into the database.
func Prepare(ctx context.Context, db *postgres.DB, log *slog.Logger) error {
	applied, err := postgres.MigrateUp(ctx, db)
	if err != nil {
		return err
	}
	if len(applied) > 0 {
		log.Info("migrations applied", "names", applied)
	}
	ld := &loader.Loader{FS: content.FS(), Store: postgres.NewContentStore(db), Log: log}
	if _, err := ld.Sync(ctx); err != nil {
		return fmt.Errorf("sync content: %w", err)
	}
	return nil
}

// EnsureSearch applies the index settings (idempotent) and checks them,
// and rebuilds the indexes when Meilisearch lost them (search.Syncer.Ensure).
// At start-up a failure is not fatal: search runs degraded and the sync
// worker tries again.
func (a *App) EnsureSearch(ctx context.Context) error {
	return a.SearchSync.Ensure(ctx)
}

// Reindex rebuilds every search index from the database and swaps it in.
func (a *App) Reindex(ctx context.Context) (*search.ReindexReport, error) {
	return search.Reindex(ctx, a.Search, a.SearchRegistry, a.SearchStore, a.SearchStore, a.Log)
}

// Close releases the connections.
func (a *App) Close() error { return a.DB.Close() }

// RunHousekeeping removes expired sign-in flows, e-mail links, rate-limit
// counters and old development mails, hourly, until ctx is done.
func (a *App) RunHousekeeping(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if err := a.AuthStore.Cleanup(ctx); err != nil && ctx.Err() == nil {
			a.Log.Warn("housekeeping", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// capabilities lists the capabilities of the portal, each with the
// services of a it uses (a may hold nil services when only the messages
// are wanted). Adding a capability is one line here.
func capabilities(a *App) []kit.Capability {
	return []kit.Capability{
		home.New(home.Deps{Territories: a.Territories}),
		account.New(account.Deps{Auth: a.Auth, Users: a.Users, Sessions: a.Sessions, Profiles: a.Profiles, APITokens: a.APITokens, Mails: a.Mails}),
		network.New(network.Deps{Profiles: a.Profiles, Structures: a.Structures, Referential: a.Referential, Territories: a.Territories}),
		searchweb.New(searchweb.Deps{Search: a.SearchService, Territories: a.Territories, Places: a.SearchStore}),
		lieuxweb.New(lieuxweb.Deps{Structures: a.Structures, Territories: a.Territories, Users: a.Users, Imports: a.LieuxImports}),
		admin.New(admin.Deps{Users: a.Users}),
		labelweb.New(labelweb.Deps{Labels: a.Labels, Search: a.SearchService}),
		trainingweb.New(trainingweb.Deps{Training: a.Training, Territories: a.Territories}),
		cartoweb.New(cartoweb.Deps{Search: a.SearchService, Places: a.SearchStore, Structures: a.Structures}),
		mentoringweb.New(mentoringweb.Deps{Mentoring: a.Mentoring, Profiles: a.Profiles, Referential: a.Referential, Territories: a.Territories}),
		charterweb.New(charterweb.Deps{Charter: a.Charter, Profiles: a.Profiles}),
		recruitingweb.New(recruitingweb.Deps{Recruiting: a.Recruiting, Profiles: a.Profiles, Referential: a.Referential, Territories: a.Territories}),
	}
}

// NewCatalog loads the formats, the shared catalogue of the web layer and
// every capability's.
func NewCatalog(caps []kit.Capability) (*i18n.Catalog, error) {
	cat := i18n.NewWithFormats()
	if err := cat.Load("kit", kit.Messages()); err != nil {
		return nil, err
	}
	for _, c := range caps {
		if m := c.Messages(); m != nil {
			if err := cat.Load(c.Name(), m); err != nil {
				return nil, err
			}
		}
	}
	return cat, nil
}

// Catalog returns every message of the portal, for commands that print
// (the import report): no database needed.
func Catalog() (*i18n.Catalog, error) { return NewCatalog(capabilities(&App{})) }
