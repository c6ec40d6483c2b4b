package maillage

import "time"

// LieuSchemaVersion is the version of the national standard of places
// (LaMednum « lieux de médiation numérique ») that Lieu follows.
const LieuSchemaVersion = "v1.0.2"

// Lieu is a place of digital mediation in the national standard (LaMednum
// schema v1.0.2, 32 fields). Field names follow the schema one to one (its
// French names are the terms of the standard); the schema field is given in
// each comment. Multi-value fields hold one value per item, canonical values
// of the closed lists (see the Lieu* lists below); empty fields are "" or nil.
// The file formats (CSV, JSON) live in internal/lieux; the JSON tags (the
// schema's field names) are for the portal's API.
type Lieu struct {
	ID                            string    `json:"id"`                                        // id (required, unique in a file)
	Pivot                         string    `json:"pivot"`                                     // pivot: SIRET, RNA or RIDET (required), see PivotKind
	Nom                           string    `json:"nom"`                                       // nom (required)
	Commune                       string    `json:"commune"`                                   // commune (required)
	CodePostal                    string    `json:"code_postal"`                               // code_postal: 5 digits (required)
	CodeInsee                     string    `json:"code_insee,omitempty"`                      // code_insee
	Adresse                       string    `json:"adresse"`                                   // adresse (required)
	ComplementAdresse             string    `json:"complement_adresse,omitempty"`              // complement_adresse
	Latitude                      *float64  `json:"latitude,omitempty"`                        // latitude, WGS84
	Longitude                     *float64  `json:"longitude,omitempty"`                       // longitude, WGS84
	Typologie                     []string  `json:"typologie,omitempty"`                       // typologie: codes of LieuTypologies
	Telephone                     string    `json:"telephone,omitempty"`                       // telephone, international form (+33478000000)
	Courriels                     []string  `json:"courriels,omitempty"`                       // courriels
	SiteWeb                       []string  `json:"site_web,omitempty"`                        // site_web: http(s) URLs
	Horaires                      string    `json:"horaires,omitempty"`                        // horaires, OpenStreetMap opening_hours syntax
	PresentationResume            string    `json:"presentation_resume,omitempty"`             // presentation_resume: 280 characters at most
	PresentationDetail            string    `json:"presentation_detail,omitempty"`             // presentation_detail
	Source                        string    `json:"source,omitempty"`                          // source: who collected the data
	Itinerance                    []string  `json:"itinerance,omitempty"`                      // itinerance: LieuItinerances
	StructureParente              string    `json:"structure_parente,omitempty"`               // structure_parente
	DateMaj                       time.Time `json:"date_maj"`                                  // date_maj (required): a date, UTC midnight
	Services                      []string  `json:"services,omitempty"`                        // services: LieuServices
	PublicsSpecifiquementAdresses []string  `json:"publics_specifiquement_adresses,omitempty"` // publics_specifiquement_adresses: LieuPublics
	PriseEnChargeSpecifique       []string  `json:"prise_en_charge_specifique,omitempty"`      // prise_en_charge_specifique: LieuPrisesEnCharge
	FraisACharge                  []string  `json:"frais_a_charge,omitempty"`                  // frais_a_charge: LieuFrais
	DispositifProgrammesNationaux []string  `json:"dispositif_programmes_nationaux,omitempty"` // dispositif_programmes_nationaux: LieuDispositifs
	FormationsLabels              []string  `json:"formations_labels,omitempty"`               // formations_labels: LieuFormationsLabels
	AutresFormationsLabels        string    `json:"autres_formations_labels,omitempty"`        // autres_formations_labels (free text)
	ModalitesAcces                []string  `json:"modalites_acces,omitempty"`                 // modalites_acces: LieuModalitesAcces
	ModalitesAccompagnement       []string  `json:"modalites_accompagnement,omitempty"`        // modalites_accompagnement: LieuModalitesAccompagnement
	FicheAccesLibre               string    `json:"fiche_acces_libre,omitempty"`               // fiche_acces_libre: acceslibre URL
	PriseRDV                      string    `json:"prise_rdv,omitempty"`                       // prise_rdv: appointment URL
}

// The closed lists of the standard, with the exact values of the patterns of
// schema.json (straight apostrophe \'). content/lieux/enumerations.json is the
// reference; a test in internal/lieux keeps these lists identical to it.
var (
	LieuItinerances = []string{"Itinérant", "Fixe"}

	LieuServices = []string{
		"Aide aux démarches administratives",
		"Maîtrise des outils numériques du quotidien",
		"Insertion professionnelle via le numérique",
		"Utilisation sécurisée du numérique",
		"Parentalité et éducation avec le numérique",
		"Loisirs et créations numériques",
		"Compréhension du monde numérique",
		"Accès internet et matériel informatique",
		"Acquisition de matériel informatique à prix solidaire",
	}

	LieuPublics = []string{"Jeunes", "Étudiants", "Familles et/ou enfants", "Seniors", "Femmes"}

	LieuPrisesEnCharge = []string{
		"Surdité",
		"Handicaps moteurs",
		"Handicaps mentaux",
		"Illettrisme",
		"Langues étrangères (anglais)",
		"Langues étrangères (autres)",
		"Déficience visuelle",
	}

	LieuFrais = []string{"Gratuit", "Gratuit sous condition", "Payant"}

	LieuDispositifs = []string{
		"Aidants Connect",
		"Bibliothèques numérique de référence",
		"Certification PIX",
		"Conseillers numériques",
		"Emmaüs Connect",
		"France Services",
		"Grande école du numérique",
		"La Croix Rouge",
		"Point d'accès numérique CAF",
		"Promeneurs du net",
		"Relais numérique (Emmaüs Connect)",
	}

	// LieuFormationsLabels keeps "Étapes numériques(La Poste)" without a space
	// before the parenthesis: that is the value schema.json accepts. The npm
	// package writes "Étapes numériques (La Poste)"; importers map it here.
	LieuFormationsLabels = []string{
		"Formé à « Mon Espace Santé »",
		"Formé à « DUPLEX » (illettrisme)",
		"Arnia/MedNum BFC (Bourgogne-Franche-Comté)",
		"Collectif ressources et acteurs réemploi (Normandie)",
		"Étapes numériques(La Poste)",
		"Fabriques de Territoire",
		"Les Éclaireurs du numérique (Drôme)",
		"Mes Papiers (Métropole de Lyon)",
		"ORDI 3.0",
		"SUD LABS (PACA)",
	}

	LieuModalitesAcces = []string{
		"Se présenter",
		"Téléphoner",
		"Contacter par mail",
		"Prendre un RDV en ligne",
		"Ce lieu n'accueille pas de public",
		"Envoyer un mail avec une fiche de prescription",
	}

	LieuModalitesAccompagnement = []string{
		"En autonomie",
		"Accompagnement individuel",
		"Dans un atelier collectif",
		"À distance",
	}
)

// Typologie is a code of the typologie field with its label from the
// data·inclusion referential of structure types.
type Typologie struct {
	Code    string
	Libelle string // "" for the 4 npm codes data·inclusion does not describe
	NPM     bool   // in the enum of @gouvfr-anct/lieux-de-mediation-numerique
}

// LieuTypologies lists the typologie codes of content/lieux/typologies.csv:
// the 92 codes of the npm enum, then 4 codes only data·inclusion knows.
// schema.json itself puts no constraint on typologie.
var LieuTypologies = []Typologie{
	{Code: "ACI", Libelle: "Structures porteuses d’ateliers et chantiers d’insertion (ACI)", NPM: true},
	{Code: "ACIPHC", Libelle: "SIAE — Atelier chantier d’insertion premières heures en chantier", NPM: true},
	{Code: "AFPA", Libelle: "Agence nationale pour la formation professionnelle des adultes (AFPA)", NPM: true},
	{Code: "AI", Libelle: "Associations intermédiaires (AI)", NPM: true},
	{Code: "ASE", Libelle: "Aide sociale à l’enfance (ASE)", NPM: true},
	{Code: "ASSO", Libelle: "Associations", NPM: true},
	{Code: "ASSO_CHOMEUR", Libelle: "Associations de chômeurs", NPM: true},
	{Code: "Autre", Libelle: "Autre", NPM: true},
	{Code: "AVIP", Libelle: "Crèche À Vocation d’Insertion Professionnelle (AVIP)", NPM: true},
	{Code: "BIB", Libelle: "Bibliothèque / Médiathèque", NPM: true},
	{Code: "CAARUD", Libelle: "CAARUD - Centre d’accueil et d’accompagnement à la réduction de risques pour usagers de drogues", NPM: true},
	{Code: "CADA", Libelle: "Centres d’accueil de demandeurs d’asile (CADA)", NPM: true},
	{Code: "CAF", Libelle: "Caisses d’allocation familiale (CAF)", NPM: true},
	{Code: "CAP_EMPLOI", Libelle: "Cap Emploi", NPM: true},
	{Code: "CAVA", Libelle: "Centres d’adaptation à la vie active (CAVA)", NPM: true},
	{Code: "CC", Libelle: "Communautés de Commune", NPM: true},
	{Code: "CCAS", Libelle: "Centres communaux d’action sociale (CCAS)", NPM: true},
	{Code: "CCONS", Libelle: "Chambres consulaires (CCI, CMA, CA)", NPM: true},
	{Code: "CD", Libelle: "Conseils Départementaux (CD)", NPM: true},
	{Code: "CDAS", Libelle: "Centre Départementale d’Action Sociale (CDAS)", NPM: true},
	{Code: "CFP", Libelle: "Centre des Finances Publiques (CFP)", NPM: true},
	{Code: "CHRS", Libelle: "Centres d’hébergement et de réinsertion sociale (CHRS)", NPM: true},
	{Code: "CHU", Libelle: "Centres d’hébergement d’urgence (CHU)", NPM: true},
	{Code: "CIAS", Libelle: "Centres intercommunaux d’action sociale (CIAS)", NPM: true},
	{Code: "CIDFF", Libelle: "Centres d’information sur les droits des femmes et des familles (CIDFF)", NPM: true},
	{Code: "CITMET", Libelle: "Cité des métiers", NPM: true},
	{Code: "CMP", Libelle: "Centre Médico-Psychologique (CMP)", NPM: true},
	{Code: "CMS", Libelle: "Centre Médico-Social (CMS)", NPM: true},
	{Code: "CPAM", Libelle: "Caisse Primaire d’Assurance Maladie (CPAM)", NPM: true},
	{Code: "CPH", Libelle: "Centres provisoires d’hébergement (CPH)", NPM: true},
	{Code: "CS", Libelle: "Centre social", NPM: true},
	{Code: "CSAPA", Libelle: "CSAPA - Centre de soins, d’accompagnement et de prévention en addictologie", NPM: true},
	{Code: "CSC", Libelle: "Centre Socio-Culturel (CSC)", NPM: true},
	{Code: "DEETS", Libelle: "Directions de l’Economie, de l’Emploi, du Travail et des Solidarités (DEETS)", NPM: true},
	{Code: "DEPT", Libelle: "Services sociaux du Conseil départemental", NPM: true},
	{Code: "DIPLP", Libelle: "Délégation interministérielles à la prévention et à la lutte contre la pauvreté", NPM: true},
	{Code: "E2C", Libelle: "E2C - École de la 2e chance", NPM: true},
	{Code: "EA", Libelle: "Entreprise adaptée (EA)", NPM: true},
	{Code: "EATT", Libelle: "Entreprise Adaptée (EATT)", NPM: true},
	{Code: "EI", Libelle: "Entreprises d’insertion (EI)", NPM: true},
	{Code: "EITI", Libelle: "Entreprises d’insertion par le travail indépendant (EITI)", NPM: true},
	{Code: "ENM", Libelle: "Espace Numérique Mobile (ENM)", NPM: true},
	{Code: "EPCI", Libelle: "Intercommunalité (EPCI)", NPM: true},
	{Code: "EPI", Libelle: "Espace Public Internet (EPI)", NPM: true},
	{Code: "EPIDE", Libelle: "EPIDE - Établissement pour l’insertion dans l’emploi", NPM: true},
	{Code: "EPN", Libelle: "Espace Public Numérique (EPN)", NPM: true},
	{Code: "ES", Libelle: "Épicerie Solidaire", NPM: true},
	{Code: "ESAT", Libelle: "", NPM: true},
	{Code: "ESS", Libelle: "Entreprise de l’Économie Sociale et Solidaire", NPM: true},
	{Code: "ETTI", Libelle: "Entreprises de travail temporaire d’insertion (ETTI)", NPM: true},
	{Code: "EVS", Libelle: "Espace de Vie Sociale (EVS)", NPM: true},
	{Code: "FABLAB", Libelle: "Fablab / Atelier partagé", NPM: true},
	{Code: "FABRIQUE", Libelle: "", NPM: true},
	{Code: "FAIS", Libelle: "Fédérations d’acteurs de l’insertion et de la solidarité", NPM: true},
	{Code: "FT", Libelle: "France Travail", NPM: true},
	{Code: "GEIQ", Libelle: "Groupements d’employeurs pour l’insertion et la qualification (GEIQ)", NPM: true},
	{Code: "HUDA", Libelle: "HUDA - Hébergement d’urgence pour demandeurs d’asile", NPM: true},
	{Code: "LA_POSTE", Libelle: "Bureau de poste / Agence postale", NPM: true},
	{Code: "MDE", Libelle: "Maison de l’emploi", NPM: true},
	{Code: "MDH", Libelle: "", NPM: true},
	{Code: "MDEF", Libelle: "Maison de l’emploi et de la formation", NPM: true},
	{Code: "MDPH", Libelle: "Maison Départementale des Personnes Handicapées", NPM: true},
	{Code: "MDS", Libelle: "Maison Départementale des Solidarités", NPM: true},
	{Code: "MJC", Libelle: "Maison des jeunes et de la culture", NPM: true},
	{Code: "ML", Libelle: "Mission Locale", NPM: true},
	{Code: "MQ", Libelle: "Maison de quartier", NPM: true},
	{Code: "MSA", Libelle: "Mutualité Sociale Agricole", NPM: true},
	{Code: "MSAP", Libelle: "Maison de Services Au Public (MSAP)", NPM: true},
	{Code: "MUNI", Libelle: "Municipalités", NPM: true},
	{Code: "OACAS", Libelle: "Structures agréées Organisme d’accueil communautaire et d’activité solidaire (OACAS)", NPM: true},
	{Code: "ODC", Libelle: "Organisation délégataire d’un CD", NPM: true},
	{Code: "OF", Libelle: "Organisme de formations", NPM: true},
	{Code: "OIL", Libelle: "Opérateur d’intermédiation locative", NPM: true},
	{Code: "OPCS", Libelle: "Organisation porteuse de la clause sociale", NPM: true},
	{Code: "PAD", Libelle: "Point d’Accès au Droit", NPM: true},
	{Code: "PENSION", Libelle: "Pension de famille / résidence accueil", NPM: true},
	{Code: "PI", Libelle: "Point Information (PI)", NPM: true},
	{Code: "PIJ_BIJ", Libelle: "Points et bureaux information jeunesse (PIJ/BIJ)", NPM: true},
	{Code: "PIMMS", Libelle: "Point Information Médiation Multi Services (PIMMS)", NPM: true},
	{Code: "PJJ", Libelle: "Protection judiciaire de la jeunesse (PJJ)", NPM: true},
	{Code: "PLIE", Libelle: "Plans locaux pour l’insertion et l’emploi (PLIE)", NPM: true},
	{Code: "PREF", Libelle: "Préfecture, Sous-Préfecture", NPM: true},
	{Code: "PREVENTION", Libelle: "Service ou club de prévention", NPM: true},
	{Code: "REG", Libelle: "Région", NPM: true},
	{Code: "RELAIS_LECTURE", Libelle: "", NPM: true},
	{Code: "RESSOURCERIE", Libelle: "Ressourcerie", NPM: true},
	{Code: "RFS", Libelle: "Réseau France Services", NPM: true},
	{Code: "RS_FJT", Libelle: "Résidence sociale / FJT - Foyer de Jeunes Travailleurs", NPM: true},
	{Code: "SCP", Libelle: "Services et clubs de prévention", NPM: true},
	{Code: "SPIP", Libelle: "Services pénitentiaires d’insertion et de probation (SPIP)", NPM: true},
	{Code: "TIERS_LIEUX", Libelle: "Tiers lieu & coworking", NPM: true},
	{Code: "UDAF", Libelle: "Union Départementale d’Aide aux Familles (UDAF)", NPM: true},
	{Code: "ETABL_PRI", Libelle: "Établissement privé", NPM: false},
	{Code: "ETABL_PUB", Libelle: "Établissement public", NPM: false},
	{Code: "ETAT", Libelle: "Service de l’État", NPM: false},
	{Code: "MDA", Libelle: "Maison Départementale de l’Autonomie", NPM: false},
}

// TypologieByCode returns the typologie of a code.
func TypologieByCode(code string) (Typologie, bool) {
	for _, t := range LieuTypologies {
		if t.Code == code {
			return t, true
		}
	}
	return Typologie{}, false
}
