package web

import (
	_ "embed"
	"encoding/json"
	"sync"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
)

// The OpenAPI 3.0.3 description of the JSON API, written by hand in one
// place. TestOpenAPICoversRoutes fails when an /api/ route is missing here,
// or when this document names an operation that is not a route.

type obj = map[string]any

func ref(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }

func described(o obj, desc string) obj {
	if desc != "" {
		o["description"] = desc
	}
	return o
}

func str(desc string) obj { return described(obj{"type": "string"}, desc) }

func strEnum(desc string, values ...string) obj {
	return described(obj{"type": "string", "enum": values}, desc)
}

func integer(desc string) obj { return obj{"type": "integer", "description": desc} }

func number(desc string) obj { return obj{"type": "number", "format": "double", "description": desc} }

func boolean(desc string) obj { return obj{"type": "boolean", "description": desc} }

func dateTime(desc string) obj {
	return obj{"type": "string", "format": "date-time", "description": desc}
}

func date(desc string) obj { return obj{"type": "string", "format": "date", "description": desc} }

func array(desc string, items obj) obj {
	return obj{"type": "array", "description": desc, "items": items}
}

func stringList(desc string) obj { return array(desc, obj{"type": "string"}) }

func object(desc string, required []string, props obj) obj {
	o := described(obj{"type": "object", "properties": props}, desc)
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

func readOnly(o obj) obj { o["readOnly"] = true; return o }

func nullable(o obj) obj { o["nullable"] = true; return o }

func queryParam(name, desc string, schema obj) obj {
	return obj{"name": name, "in": "query", "required": false, "description": desc, "schema": schema}
}

var idParam = obj{"name": "id", "in": "path", "required": true, "description": "Identifiant numérique.", "schema": obj{"type": "integer", "format": "int64", "minimum": 1}}

func jsonContent(schema obj) obj { return obj{"application/json": obj{"schema": schema}} }

func okResponse(desc string, schema obj) obj {
	return obj{"description": desc, "content": jsonContent(schema)}
}

func errorResponse(desc string) obj { return obj{"$ref": "#/components/responses/" + desc} }

func listOf(item, desc string) obj {
	return object(desc, []string{"total", "offset", "items"}, obj{
		"total":  integer("Nombre total de résultats visibles pour l'appelant (toutes pages confondues)."),
		"limit":  integer("Taille de page appliquée (absente pour les référentiels, renvoyés en entier)."),
		"offset": integer("Décalage appliqué."),
		"items":  array("Les résultats de cette page.", ref(item)),
	})
}

var (
	pageParams = []obj{
		queryParam("limit", "Nombre de résultats par page, de 1 à 100 (20 par défaut).", obj{"type": "integer", "minimum": 1, "maximum": apiMaxLimit, "default": apiDefaultLimit}),
		queryParam("offset", "Nombre de résultats à sauter (pagination).", obj{"type": "integer", "minimum": 0, "maximum": apiMaxOffset, "default": 0}),
	}
	departementParam = queryParam("departement", "Code officiel du département (INSEE), par exemple 69, 2A ou 974.", obj{"type": "string", "pattern": "^[0-9][0-9AB][0-9]?$"})
	regionParam      = queryParam("region", "Code officiel de la région (INSEE), par exemple 84.", obj{"type": "string", "pattern": "^[0-9][0-9AB][0-9]?$"})
	signedIn         = []obj{{"bearerAuth": []string{}}, {"cookieSession": []string{}}}
	optionalAuth     = []obj{{}, {"bearerAuth": []string{}}, {"cookieSession": []string{}}}
)

func kinds() []string {
	out := make([]string, len(maillage.ProfileKinds))
	for i, k := range maillage.ProfileKinds {
		out[i] = string(k)
	}
	return out
}

func structureRoles() []string {
	out := make([]string, len(maillage.StructureRoles))
	for i, r := range maillage.StructureRoles {
		out[i] = string(r)
	}
	return out
}

func openAPISchemas() obj {
	vis := []string{string(maillage.VisPublic), string(maillage.VisMembers), string(maillage.VisPrivate)}
	visProps := obj{}
	for _, f := range maillage.ProfileFields {
		visProps[f] = ref("Visibility")
	}
	lieu := object("Lieu de médiation numérique au standard national (schéma LaMednum "+maillage.LieuSchemaVersion+") : les noms de champs sont ceux du schéma. Les listes fermées suivent ses valeurs exactes.",
		[]string{"pivot", "nom", "commune", "code_postal", "adresse"}, obj{
			"id":                              str("Identifiant du lieu, stable (créé par Maillage s'il est absent)."),
			"pivot":                           str("SIRET (14 chiffres, clé valide) ou numéro RNA (W suivi de 9 chiffres) de la structure ; RIDET pour la Nouvelle-Calédonie."),
			"nom":                             str("Nom du lieu."),
			"commune":                         str("Nom de la commune."),
			"code_postal":                     obj{"type": "string", "pattern": "^[0-9]{5}$", "description": "Code postal (5 chiffres)."},
			"code_insee":                      str("Code officiel géographique de la commune."),
			"adresse":                         str("Numéro et voie."),
			"complement_adresse":              str("Complément d'adresse."),
			"latitude":                        number("Latitude WGS84 ; à défaut, celle du centre de la commune."),
			"longitude":                       number("Longitude WGS84 ; à défaut, celle du centre de la commune."),
			"typologie":                       stringList("Codes de typologie de la structure (par exemple MUNI, ASSO)."),
			"telephone":                       str("Téléphone au format international (+33…)."),
			"courriels":                       array("Adresses électroniques.", obj{"type": "string", "format": "email"}),
			"site_web":                        array("Sites web (http ou https).", obj{"type": "string", "format": "uri"}),
			"horaires":                        str("Horaires d'ouverture, syntaxe OpenStreetMap opening_hours."),
			"presentation_resume":             obj{"type": "string", "maxLength": 280, "description": "Présentation courte (280 caractères au plus)."},
			"presentation_detail":             str("Présentation détaillée."),
			"source":                          str("Qui a collecté la donnée."),
			"itinerance":                      array("Fixe et/ou itinérant.", strEnum("", maillage.LieuItinerances...)),
			"structure_parente":               str("Structure parente."),
			"date_maj":                        readOnly(dateTime("Date de dernière mise à jour (minuit UTC) ; fixée par Maillage à chaque modification.")),
			"services":                        array("Services proposés.", strEnum("", maillage.LieuServices...)),
			"publics_specifiquement_adresses": array("Publics spécifiquement accueillis.", strEnum("", maillage.LieuPublics...)),
			"prise_en_charge_specifique":      array("Prises en charge spécifiques.", strEnum("", maillage.LieuPrisesEnCharge...)),
			"frais_a_charge":                  array("Frais à la charge du public.", strEnum("", maillage.LieuFrais...)),
			"dispositif_programmes_nationaux": array("Dispositifs et programmes nationaux.", strEnum("", maillage.LieuDispositifs...)),
			"formations_labels":               array("Formations et labels.", strEnum("", maillage.LieuFormationsLabels...)),
			"autres_formations_labels":        str("Autres formations et labels (texte libre)."),
			"modalites_acces":                 array("Modalités d'accès.", strEnum("", maillage.LieuModalitesAcces...)),
			"modalites_accompagnement":        array("Modalités d'accompagnement.", strEnum("", maillage.LieuModalitesAccompagnement...)),
			"fiche_acces_libre":               obj{"type": "string", "format": "uri", "description": "Fiche Acceslibre du lieu."},
			"prise_rdv":                       obj{"type": "string", "format": "uri", "description": "Lien de prise de rendez-vous."},
		})
	return obj{
		"Error": object("Erreur. Le message est en français et peut être montré tel quel.", []string{"error", "code"}, obj{
			"error":      str("Message lisible, en français."),
			"code":       strEnum("Code stable de l'erreur.", maillage.EINVALID, maillage.ENOTFOUND, maillage.ECONFLICT, maillage.EFORBIDDEN, maillage.EUNAUTHORIZED, maillage.EUNAVAILABLE, maillage.ETOOMANY, maillage.EINTERNAL),
			"fields":     obj{"type": "object", "description": "Pour les erreurs de validation (422) : message par champ, nommé par son chemin dans le corps JSON (par exemple lieu.code_postal, mentor.capacity).", "additionalProperties": obj{"type": "string"}},
			"request_id": str("Référence de la requête, à citer en cas de problème."),
		}),
		"Visibility": strEnum("Qui voit un champ : public (tout le monde), members (membres connectés), private (la personne et les administrateurs).", vis...),
		"ProfileCompetence": object("Compétence détenue.", []string{"code", "level", "evidence"}, obj{
			"code":     str("Code CRCN (Pix), par exemple 1.1."),
			"label":    str("Intitulé de la compétence."),
			"level":    obj{"type": "integer", "minimum": maillage.MinLevel, "maximum": maillage.MaxLevel, "description": "Niveau de maîtrise, de 1 (novice) à 8 (expert)."},
			"evidence": strEnum("Ce qui l'atteste : déclarée, certifiée (par un titre) ou validée (par un mentor).", string(maillage.EvidenceDeclared), string(maillage.EvidenceCertified), string(maillage.EvidenceValidated)),
		}),
		"ProfileTitle": object("Titre ou bloc de compétences obtenu.", []string{"certification_code"}, obj{
			"certification_code": str("Code du titre (voir /api/referentiel/certifications), par exemple REMN."),
			"bloc_code":          str("Code du bloc, quand seul un bloc est obtenu (par exemple REMN-B1)."),
			"label":              str("Intitulé du titre ou du bloc."),
			"obtained_on":        dateTime("Date d'obtention."),
		}),
		"MentorSettings": object("Disponibilité comme mentor.", []string{"available", "capacity", "radius_km", "remote", "themes"}, obj{
			"available": boolean("Accepte de nouvelles personnes à accompagner."),
			"capacity":  obj{"type": "integer", "minimum": 0, "maximum": 20, "description": "Nombre de personnes accompagnées à la fois (1 à 20 pour être disponible)."},
			"radius_km": obj{"type": "integer", "enum": maillage.MentorRadii, "description": "Rayon d'accompagnement en kilomètres."},
			"remote":    boolean("Accompagne aussi à distance."),
			"themes":    stringList("Thèmes d'accompagnement."),
		}),
		"ProfileStructure": object("Structure où la personne travaille ou a travaillé.", []string{"structure_id", "nom", "role"}, obj{
			"structure_id": integer("Identifiant de la structure (voir /api/structures/{id})."),
			"nom":          str("Nom de la structure."),
			"role":         strEnum("Rôle dans la structure.", maillage.MemberReferent, maillage.MemberSalarie, maillage.MemberMediateur),
			"started_on":   dateTime("Début."),
			"ended_on":     dateTime("Fin, si terminée."),
		}),
		"Profile": object("Profil d'une personne du réseau, tel que l'appelant peut le voir : chaque champ dont la visibilité ne le permet pas est absent. Un anonyme voit les champs publics ; un membre connecté aussi les champs « membres » ; la personne elle-même et les administrateurs voient tout, y compris visibility.",
			[]string{"id", "kind", "display_name", "created_at", "updated_at"}, obj{
				"id":               integer("Identifiant du profil."),
				"kind":             strEnum("Ce qu'est la personne dans le réseau.", kinds()...),
				"display_name":     str("Nom affiché."),
				"bio":              str("Présentation (visibilité : bio)."),
				"code_insee":       str("Commune (code INSEE) — visibilité : commune, comme les quatre champs suivants."),
				"commune":          str("Nom de la commune."),
				"code_departement": str("Département de la commune."),
				"code_region":      str("Région de la commune."),
				"latitude":         number("Latitude du centre de la commune."),
				"longitude":        number("Longitude du centre de la commune."),
				"pix_level":        obj{"type": "integer", "minimum": 0, "maximum": 8, "description": "Niveau global de la certification Pix (visibilité : pix, privé par défaut)."},
				"open_to_work":     boolean("Ouvert aux opportunités (visibilité : open_to_work)."),
				"mentor":           ref("MentorSettings"),
				"competences":      array("Compétences (visibilité : competences).", ref("ProfileCompetence")),
				"titles":           array("Titres et blocs (visibilité : titles).", ref("ProfileTitle")),
				"structures":       array("Structures (visibilité : structures).", ref("ProfileStructure")),
				"visibility":       object("Visibilité de chaque champ ; présent seulement pour la personne elle-même et les administrateurs. profile est celle du profil entier : aucun champ n'est plus visible que le profil.", nil, visProps),
				"created_at":       dateTime("Création."),
				"updated_at":       dateTime("Dernière modification."),
			}),
		"ProfileUpdate": object("Modification de son propre profil : les champs absents restent inchangés ; competences, titles et mentor sont remplacés en entier. À la première écriture, kind et display_name sont requis.", nil, obj{
			"kind":         strEnum("Ce qu'est la personne dans le réseau.", kinds()...),
			"display_name": obj{"type": "string", "maxLength": 120, "description": "Nom affiché (prénom et nom)."},
			"bio":          obj{"type": "string", "maxLength": 2000, "description": "Présentation."},
			"code_insee":   str("Commune (code INSEE, voir /api/communes) ; chaîne vide pour l'effacer."),
			"pix_level":    nullable(obj{"type": "integer", "minimum": 0, "maximum": 8, "description": "Niveau global Pix ; null pour l'effacer."}),
			"open_to_work": boolean("Ouvert aux opportunités."),
			"mentor":       ref("MentorSettings"),
			"competences": array("Compétences déclarées (celles validées ou certifiées sont conservées).", object("", []string{"code", "level"}, obj{
				"code":  str("Code CRCN, voir /api/referentiel/competences."),
				"level": obj{"type": "integer", "minimum": maillage.MinLevel, "maximum": maillage.MaxLevel, "description": "Niveau de 1 à 8."},
			})),
			"titles": array("Titres et blocs obtenus.", object("", []string{"certification_code"}, obj{
				"certification_code": str("Code du titre, voir /api/referentiel/certifications."),
				"bloc_code":          str("Code du bloc, si seul un bloc est obtenu."),
				"obtained_on":        date("Date d'obtention (AAAA-MM-JJ)."),
			})),
			"visibility": object("Visibilité par champ (seuls les champs donnés changent).", nil, visProps),
		}),
		"Lieu": lieu,
		"Member": object("Membre d'une structure. Seuls les membres dont le profil (et son champ structures) est visible de l'appelant sont listés.", []string{"id", "structure_id", "display_name", "role"}, obj{
			"id":           integer("Identifiant de l'adhésion."),
			"structure_id": integer("Structure."),
			"profile_id":   integer("Profil du membre (voir /api/profils/{id})."),
			"display_name": str("Nom affiché du membre."),
			"role":         strEnum("Rôle dans la structure.", maillage.MemberReferent, maillage.MemberSalarie, maillage.MemberMediateur),
			"started_on":   dateTime("Début."),
			"ended_on":     dateTime("Fin."),
		}),
		"Structure": object("Structure du réseau : un lieu au standard national, ses rôles et ses membres (données publiques, sauf les membres, filtrés selon la visibilité de leur profil).", []string{"id", "lieu", "roles", "created_at", "updated_at"}, obj{
			"id":               integer("Identifiant de la structure."),
			"lieu":             ref("Lieu"),
			"roles":            array("Rôles de la structure.", strEnum("", structureRoles()...)),
			"code_departement": str("Département de la commune du lieu."),
			"code_region":      str("Région de la commune du lieu."),
			"members":          array("Membres actifs visibles (seulement dans GET /api/structures/{id} et la réponse de POST).", ref("Member")),
			"created_at":       dateTime("Création."),
			"updated_at":       dateTime("Dernière modification."),
		}),
		"StructureInput": object("Création d'une structure : l'appelant en devient le référent.", []string{"lieu", "roles"}, obj{
			"lieu":  ref("Lieu"),
			"roles": array("Au moins un rôle.", strEnum("", structureRoles()...)),
		}),
		"Commune": object("Commune du référentiel territorial (COG).", []string{"code_insee", "nom", "code_departement", "code_region", "codes_postaux", "latitude", "longitude"}, obj{
			"code_insee":       str("Code officiel géographique."),
			"nom":              str("Nom."),
			"code_departement": str("Département."),
			"code_region":      str("Région."),
			"codes_postaux":    stringList("Codes postaux."),
			"population":       integer("Population municipale."),
			"latitude":         number("Latitude du centre."),
			"longitude":        number("Longitude du centre."),
		}),
		"Competence": object("Compétence du cadre de référence CRCN (Pix).", []string{"code", "label", "domain_code", "rank"}, obj{
			"code":        str("Code stable, par exemple 1.1."),
			"label":       str("Intitulé."),
			"domain_code": str("Domaine (1 à 5)."),
			"rank":        integer("Ordre d'affichage."),
			"variants":    stringList("Autres intitulés rencontrés dans les sources."),
			"retired_at":  dateTime("Date de retrait du référentiel."),
		}),
		"Bloc": object("Bloc de compétences d'un titre, qui peut s'obtenir seul.", []string{"code", "certification_code", "rank", "label", "status", "competences"}, obj{
			"code":               str("Code stable, par exemple REMN-B1."),
			"certification_code": str("Titre du bloc."),
			"rank":               integer("Ordre dans le titre."),
			"label":              str("Intitulé."),
			"status":             strEnum("Degré de confirmation de l'intitulé.", string(maillage.StatusConfirmed), string(maillage.StatusSecondary), string(maillage.StatusUnconfirmed)),
			"note":               str("Remarque sur la source."),
			"competences":        stringList("Codes des compétences CRCN couvertes, quand elles sont connues."),
			"retired_at":         dateTime("Date de retrait."),
		}),
		"Certification": object("Titre professionnel (RNCP) ou certification (RS), avec ses blocs.", []string{"code", "kind", "number_confirmed", "title", "blocs"}, obj{
			"code":             str("Code interne stable, par exemple REMN."),
			"kind":             strEnum("Répertoire.", string(maillage.KindRNCP), string(maillage.KindRS)),
			"number":           str("Numéro au répertoire (RNCP34137, RS5875), s'il est connu."),
			"number_confirmed": boolean("Le numéro est confirmé par une source officielle."),
			"title":            str("Intitulé."),
			"level":            integer("Niveau du cadre national (1 à 8), absent pour le RS."),
			"nsf":              str("Code NSF."),
			"certificateur":    str("Certificateur."),
			"legal_text":       str("Texte qui crée la certification."),
			"valid_from":       dateTime("Début d'enregistrement, s'il est connu."),
			"valid_until":      dateTime("Fin d'enregistrement, si elle est connue."),
			"replaces":         str("Code de la certification remplacée."),
			"note":             str("Remarque."),
			"blocs":            array("Blocs de compétences.", ref("Bloc")),
			"retired_at":       dateTime("Date de retrait."),
		}),
		"ProfileList":       listOf("Profile", "Page de profils."),
		"StructureList":     listOf("Structure", "Page de structures."),
		"CompetenceList":    listOf("Competence", "Toutes les compétences."),
		"CertificationList": listOf("Certification", "Tous les titres et certifications."),
		"CommuneList": object("Communes trouvées.", []string{"communes"}, obj{
			"communes": array("Au plus limit communes, les plus peuplées d'abord.", ref("Commune")),
		}),
	}
}

func openAPIPaths() obj {
	read := func(summary, desc string, params []obj, resp obj, notFound bool) obj {
		responses := obj{"200": resp, "401": errorResponse("Unauthorized"), "422": errorResponse("Invalid")}
		if notFound {
			responses["404"] = errorResponse("NotFound")
		}
		if params == nil {
			params = []obj{}
		}
		return obj{"summary": summary, "description": desc, "parameters": params, "security": optionalAuth, "responses": responses}
	}
	withPage := func(ps ...obj) []obj { return append(ps, pageParams...) }
	return obj{
		"/api/openapi.json": obj{"get": obj{
			"summary": "Ce document", "description": "Description OpenAPI 3.0.3 de l'API de Maillage.", "security": []obj{{}},
			"responses": obj{"200": obj{"description": "Le document OpenAPI.", "content": jsonContent(obj{"type": "object"})}},
		}},
		"/api/communes": obj{"get": read("Rechercher une commune",
			"Autocomplétion : début du nom (sans tenir compte des accents ni de la casse) ou du code postal.",
			[]obj{
				queryParam("q", "Début du nom ou du code postal (80 caractères au plus).", obj{"type": "string", "maxLength": 80}),
				departementParam,
				queryParam("limit", "Nombre de communes (10 par défaut).", obj{"type": "integer", "minimum": 1, "default": 10}),
			}, okResponse("Communes trouvées.", ref("CommuneList")), false)},
		"/api/profils": obj{"get": read("Lister les profils",
			"Profils que l'appelant peut voir, chacun réduit aux champs visibles pour lui. Un filtre sur un champ (territoire, ouverture aux opportunités, mentorat) ne retient que les profils dont ce champ est visible pour l'appelant. total compte les profils visibles.",
			withPage(
				departementParam, regionParam,
				queryParam("kind", "Ce qu'est la personne.", strEnum("", kinds()...)),
				queryParam("open_to_work", "Ouvert aux opportunités.", obj{"type": "boolean"}),
				queryParam("mentor", "Disponible comme mentor.", obj{"type": "boolean"}),
			), okResponse("Une page de profils.", ref("ProfileList")), false)},
		"/api/profils/{id}": obj{"get": read("Lire un profil",
			"Le profil tel que l'appelant peut le voir. 404 quand il n'existe pas ou que l'appelant ne peut pas le voir (son existence n'est pas révélée).",
			[]obj{idParam}, okResponse("Le profil.", ref("Profile")), true)},
		"/api/structures": obj{
			"get": read("Lister les structures", "Structures du réseau (lieux, employeurs, organismes de formation, hubs), par nom.",
				withPage(departementParam, regionParam, queryParam("role", "Rôle de la structure.", strEnum("", structureRoles()...))),
				okResponse("Une page de structures.", ref("StructureList")), false),
			"post": obj{
				"summary":     "Créer ou revendiquer une structure",
				"description": "Crée la structure avec l'appelant comme référent. Si une structure de même SIRET/RNA existe déjà sans référent, l'appelant la revendique (200) ; si elle a déjà un référent, la demande est refusée (422). Le lieu est validé selon le standard national. Avec une session (cookie), l'en-tête X-CSRF-Token est requis ; avec un jeton (Bearer), non.",
				"security":    signedIn,
				"requestBody": obj{"required": true, "content": jsonContent(ref("StructureInput"))},
				"responses": obj{
					"201": obj{"description": "Structure créée.", "headers": obj{"Location": obj{"description": "Adresse de la structure.", "schema": obj{"type": "string"}}}, "content": jsonContent(ref("Structure"))},
					"200": okResponse("Structure existante revendiquée.", ref("Structure")),
					"401": errorResponse("Unauthorized"),
					"403": errorResponse("Forbidden"),
					"422": errorResponse("Invalid"),
				},
			},
		},
		"/api/structures/{id}": obj{"get": read("Lire une structure",
			"La structure, son lieu et ses membres actifs visibles pour l'appelant.",
			[]obj{idParam}, okResponse("La structure.", ref("Structure")), true)},
		"/api/referentiel/competences": obj{"get": read("Compétences CRCN (Pix)",
			"Les 16 compétences en vigueur du cadre de référence des compétences numériques.",
			[]obj{queryParam("domaine", "Seulement ce domaine (1 à 5).", obj{"type": "string"})},
			okResponse("Toutes les compétences.", ref("CompetenceList")), false)},
		"/api/referentiel/certifications": obj{"get": read("Titres et certifications",
			"Titres (RNCP) et certifications (RS) de la médiation numérique en vigueur, avec leurs blocs.",
			[]obj{queryParam("kind", "Seulement ce répertoire.", strEnum("", string(maillage.KindRNCP), string(maillage.KindRS)))},
			okResponse("Tous les titres et certifications.", ref("CertificationList")), false)},
		"/api/moi/profil": obj{
			"get": obj{
				"summary": "Mon profil", "description": "Son propre profil, entier, avec la visibilité de chaque champ.",
				"security":  signedIn,
				"responses": obj{"200": okResponse("Mon profil.", ref("Profile")), "401": errorResponse("Unauthorized"), "404": errorResponse("NotFound")},
			},
			"put": obj{
				"summary":     "Créer ou modifier mon profil",
				"description": "Les champs absents restent inchangés. Les erreurs de validation (422) nomment chaque champ en faute dans fields, avec un message en français. Avec une session (cookie), l'en-tête X-CSRF-Token est requis ; avec un jeton (Bearer), non.",
				"security":    signedIn,
				"requestBody": obj{"required": true, "content": jsonContent(ref("ProfileUpdate"))},
				"responses":   obj{"200": okResponse("Le profil enregistré, entier.", ref("Profile")), "401": errorResponse("Unauthorized"), "403": errorResponse("Forbidden"), "422": errorResponse("Invalid")},
			},
		},
	}
}

// openAPISearch is the part of the document for /api/recherche, kept as JSON
// beside this file.
//
//go:embed openapi_recherche.json
var openAPISearch []byte

func openAPIDocument(baseURL string) obj {
	errResp := func(desc string) obj { return okResponse(desc, ref("Error")) }
	paths, schemas := openAPIPaths(), openAPISchemas()
	var frag struct {
		Paths      obj `json:"paths"`
		Components struct {
			Schemas obj `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPISearch, &frag); err != nil {
		panic("openapi_recherche.json: " + err.Error()) // embedded at build time; TestOpenAPICoversRoutes reads it
	}
	for k, v := range frag.Paths {
		paths[k] = v
	}
	for k, v := range frag.Components.Schemas {
		schemas[k] = v
	}
	return obj{
		"openapi": "3.0.3",
		"info": obj{
			"title":   "API de Maillage",
			"version": "1.0.0",
			"description": "API JSON du réseau de la médiation numérique : profils, structures et lieux (standard national), référentiels. " +
				"Sans authentification, seules les données publiques sont renvoyées ; connecté, aussi les champs réservés aux membres. " +
				"Pour un programme, créez un jeton personnel sur la page « Mon compte › Jetons d'API » (/compte/jetons) et envoyez-le dans l'en-tête Authorization: Bearer <jeton>. " +
				"Les erreurs sont des objets JSON { error, code, fields } avec un message en français.",
		},
		"servers": []obj{{"url": baseURL, "description": "Ce portail"}},
		"paths":   paths,
		"components": obj{
			"schemas": schemas,
			"securitySchemes": obj{
				"bearerAuth": obj{"type": "http", "scheme": "bearer", "bearerFormat": "mlg_…",
					"description": "Jeton personnel créé sur /compte/jetons, qui agit au nom de la personne avec ses rôles. Valable seulement pour /api/ ; révocable à tout moment."},
				"cookieSession": obj{"type": "apiKey", "in": "cookie", "name": sessionCookie,
					"description": "Session du navigateur après connexion. Les requêtes qui modifient (POST, PUT) doivent porter l'en-tête X-CSRF-Token égal au cookie " + csrfCookie + "."},
			},
			"responses": obj{
				"Unauthorized": errResp("Connexion requise, ou jeton inconnu ou révoqué (code unauthorized)."),
				"Forbidden":    errResp("Refusé : jeton CSRF manquant pour une session, ou droits insuffisants."),
				"NotFound":     errResp("Introuvable, ou non visible pour l'appelant."),
				"Invalid":      errResp("Paramètres ou corps invalides : fields donne un message par champ."),
			},
		},
	}
}

// openAPI is the document, marshalled once per server.
type openAPI struct {
	once sync.Once
	json []byte
	err  error
}

// apiOpenAPI serves the OpenAPI document.
func (s *Server) apiOpenAPI(c *fiber.Ctx) error {
	s.openapi.once.Do(func() {
		s.openapi.json, s.openapi.err = json.MarshalIndent(openAPIDocument(s.cfg.BaseURL.String()), "", "  ")
	})
	if s.openapi.err != nil {
		return s.openapi.err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(s.openapi.json)
}
