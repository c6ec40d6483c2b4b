package web

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Languages: French first, English available.
const (
	langFR = "fr"
	langEN = "en"
)

// lang picks the language: ?lang= (remembered in a cookie), then the cookie,
// then French.
func lang(c *fiber.Ctx) string {
	if q := c.Query("lang"); q == langFR || q == langEN {
		c.Cookie(&fiber.Cookie{Name: "lang", Value: q, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: "Lax", HTTPOnly: true})
		return q
	}
	if ck := c.Cookies("lang"); ck == langEN {
		return langEN
	}
	return langFR
}

// translate returns the message for key in lang, formatted with args. A
// missing English text falls back to French; a missing key shows the key.
func translate(lang, key string, args ...any) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	s := m[0]
	if lang == langEN && m[1] != "" {
		s = m[1]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// messages holds every UI text: key → {French, English}.
var messages = map[string][2]string{}

func addMessages(m map[string][2]string) {
	for k, v := range m {
		if _, dup := messages[k]; dup {
			panic("duplicate message key " + k)
		}
		messages[k] = v
	}
}

func init() {
	addMessages(map[string][2]string{
		"site.tagline":   {"Le réseau professionnel et le parcours de formation de la médiation numérique.", "The professional network and training path of digital mediation in France."},
		"nav.skip":       {"Aller au contenu", "Skip to content"},
		"nav.main":       {"Navigation principale", "Main navigation"},
		"nav.home":       {"Accueil", "Home"},
		"nav.home_label": {"Maillage, accueil", "Maillage, home"},
		"footer.about":   {"Maillage relie les médiateurs, conseillers et aidants numériques, leurs compétences, leurs formations et leurs lieux. Données ouvertes, standard national des lieux.", "Maillage links digital mediators, advisers and helpers, their skills, trainings and places. Open data, national standard for places."},
		"footer.data":    {"Sources et licences des données", "Data sources and licences"},
		"footer.status":  {"État du service", "Service status"},

		"home.title":        {"Personne ne médie seul", "No one mediates alone"},
		"home.lead":         {"Maillage est le réseau professionnel de la médiation numérique : trouver un mentor près de chez soi, voir les blocs de compétences qui séparent d'un titre reconnu et les formations proches qui les couvrent, signer la charte de l'aidant, recruter et être recruté, demander ou instruire un label qualité.", "Maillage is the professional network of digital mediation: find a mentor nearby, see which competency blocks separate you from a recognised title and which nearby trainings cover them, sign the aidant charter, recruit and be recruited, apply for or review a quality label."},
		"home.figures":      {"Référentiel territorial chargé : %d communes, %d départements et collectivités.", "Territorial referential loaded: %d communes, %d départements and territories."},
		"home.who":          {"Ce que chacun vient faire ici", "What each person comes to do"},
		"home.rules":        {"Nos règles", "Our rules"},
		"home.rule.alone":   {"Aucun conseiller numérique ne travaille seul : chacun est accompagné par un médiateur de son territoire.", "No digital adviser works alone: each one is mentored by a mediator of their territory."},
		"home.rule.privacy": {"Vous choisissez ce qui est public : seul ce que vous rendez public apparaît dans la recherche ; vous pouvez exporter et supprimer vos données.", "You choose what is public: only what you make public appears in search; you can export and delete your data."},
		"home.rule.open":    {"Données ouvertes et interopérables : les lieux suivent le standard national de la médiation numérique.", "Open, interoperable data: places follow the national standard for digital mediation."},

		"home.aud.conseiller.title":   {"Conseiller numérique", "Digital adviser"},
		"home.aud.conseiller.text":    {"Complétez votre profil, trouvez un mentor proche qui vous correspond, et voyez les blocs qui vous séparent d'un titre avec les sessions de formation près de chez vous.", "Complete your profile, find a nearby mentor who fits, and see the blocks between you and a title with training sessions near you."},
		"home.aud.mediateur.title":    {"Médiateur, mentor", "Mediator, mentor"},
		"home.aud.mediateur.text":     {"Indiquez combien de personnes vous pouvez accompagner, dans quel rayon et sur quels thèmes ; acceptez les demandes et suivez vos mentorés.", "Say how many people you can mentor, within which radius and on which themes; accept requests and follow your mentees."},
		"home.aud.coordinateur.title": {"Coordinateur territorial", "Territorial coordinator"},
		"home.aud.coordinateur.text":  {"Voyez qui est seul dans votre territoire, la couverture par département, et les binômes proposés par l'appariement optimal.", "See who is alone in your territory, coverage per département, and pairings proposed by optimal matching."},
		"home.aud.employeur.title":    {"Employeur", "Employer"},
		"home.aud.employeur.text":     {"Publiez vos offres d'emploi et trouvez des candidats ouverts aux opportunités par compétence, titre et distance.", "Publish job offers and find candidates open to work by competency, title and distance."},
		"home.aud.formation.title":    {"Organisme de formation", "Training body"},
		"home.aud.formation.text":     {"Publiez vos offres liées aux titres RNCP et les blocs qu'elles couvrent, avec leurs sessions ; importez et exportez au format LHEO.", "List your offers tied to RNCP titles and the blocks they cover, with sessions; import and export in LHEO."},
		"home.aud.aidant.title":       {"Aidant numérique", "Digital helper"},
		"home.aud.aidant.text":        {"Lisez et signez la charte de l'aidant numérique ; obtenez une attestation vérifiable.", "Read and sign the digital helper charter; get a verifiable attestation."},
		"home.aud.instructeur.title":  {"Instructeur de label", "Label reviewer"},
		"home.aud.instructeur.text":   {"Instruisez les demandes de label qui vous sont confiées, critère par critère, et motivez chaque décision.", "Review the label applications assigned to you, criterion by criterion, with a motivated decision."},
		"home.aud.public.title":       {"Tout le monde", "Everyone"},
		"home.aud.public.text":        {"Cherchez des personnes, des lieux, des formations, des offres d'emploi et des lieux labellisés, près d'une commune.", "Search people, places, trainings, jobs and labelled places near a commune."},
		"home.aud.admin.title":        {"Administrateur", "Administrator"},
		"home.aud.admin.text":         {"Gérez les rôles et les référentiels : blocs de compétences, versions de la charte, critères du label.", "Manage roles and referentials: competency blocks, charter versions, label criteria."},

		"error.reference": {"Référence de la requête :", "Request reference:"},
		"error.back_home": {"Revenir à l'accueil", "Back to the home page"},
		"error.400":       {"Requête invalide", "Bad request"},
		"error.401":       {"Connexion requise", "Sign-in required"},
		"error.403":       {"Accès refusé", "Access denied"},
		"error.404":       {"Page introuvable", "Page not found"},
		"error.405":       {"Méthode non autorisée", "Method not allowed"},
		"error.409":       {"Conflit", "Conflict"},
		"error.413":       {"Envoi trop volumineux", "Upload too large"},
		"error.422":       {"Données invalides", "Invalid data"},
		"error.429":       {"Trop de tentatives", "Too many attempts"},
		"error.500":       {"Erreur interne", "Internal error"},
		"error.503":       {"Service momentanément indisponible", "Service temporarily unavailable"},
		"error.msg.404":   {"La page demandée n'existe pas ou a été déplacée. Vérifiez l'adresse ou repartez de l'accueil.", "The page you asked for does not exist or has moved."},
		"error.msg.405":   {"Cette adresse n'accepte pas ce type de requête.", "This address does not accept this kind of request."},
		"error.msg.413":   {"Le fichier envoyé dépasse la taille autorisée.", "The file you sent is larger than allowed."},
		"error.msg.400":   {"La requête n'a pas pu être comprise.", "The request could not be understood."},

		"home.data.title":       {"Sources et licences des données", "Data sources and licences"},
		"home.data.intro":       {"Les référentiels chargés par Maillage proviennent de sources publiques ouvertes.", "The referentials loaded by Maillage come from open public sources."},
		"home.data.caption":     {"Jeux de données et leurs licences", "Data sets and their licences"},
		"home.data.col.set":     {"Jeu de données", "Data set"},
		"home.data.col.source":  {"Source", "Source"},
		"home.data.col.licence": {"Licence", "Licence"},
		"home.data.territories": {"Communes, départements, régions (COG 2026, coordonnées)", "Communes, départements, régions (COG 2026, coordinates)"},
	})
}

// acceptsJSON reports whether the client prefers JSON over HTML: it asks
// for JSON, calls /api/, or is a program (Authorization: Bearer).
func acceptsJSON(c *fiber.Ctx) bool {
	a := c.Get(fiber.HeaderAccept)
	if _, bearer := bearerToken(c); bearer {
		return true
	}
	return strings.Contains(a, "application/json") && !strings.Contains(a, "text/html") || strings.HasPrefix(c.Path(), "/api/")
}
