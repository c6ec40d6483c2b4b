package demo

// Names, streets and texts the generator draws from. They are embedded so
// the demo needs no download and stays the same from one run to the next.

// firstNames: 100 French first names, women and men, of several generations.
var firstNames = []string{
	"Camille", "Léa", "Manon", "Chloé", "Emma", "Inès", "Sarah", "Julie", "Laura", "Marie",
	"Anaïs", "Clara", "Lucie", "Pauline", "Mathilde", "Élodie", "Céline", "Nathalie", "Isabelle", "Sandrine",
	"Valérie", "Sophie", "Stéphanie", "Aurélie", "Émilie", "Caroline", "Virginie", "Sylvie", "Catherine", "Christine",
	"Martine", "Françoise", "Monique", "Nadia", "Fatima", "Amina", "Yasmine", "Leïla", "Sabrina", "Karima",
	"Océane", "Margaux", "Juliette", "Zoé", "Louise", "Alice", "Hélène", "Agnès", "Brigitte", "Josiane",
	"Thomas", "Nicolas", "Julien", "Maxime", "Alexandre", "Antoine", "Kevin", "Romain", "Guillaume", "Quentin",
	"Lucas", "Hugo", "Louis", "Théo", "Nathan", "Mathieu", "Sébastien", "Christophe", "Olivier", "Laurent",
	"Stéphane", "Philippe", "Frédéric", "Éric", "Patrick", "Pascal", "Thierry", "David", "Jérôme", "Vincent",
	"François", "Jean", "Pierre", "Michel", "Alain", "Bernard", "Didier", "Yannick", "Mohamed", "Karim",
	"Mehdi", "Samir", "Rachid", "Youssef", "Bilal", "Ibrahim", "Moussa", "Mamadou", "Loïc", "Gaël",
}

// surnames: 150 French surnames.
var surnames = []string{
	"Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent",
	"Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard",
	"Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Muller", "Lefebvre", "Faure", "André",
	"Mercier", "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Garcia",
	"Perrin", "Robin", "Clément", "Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson",
	"Marchand", "Duval", "Denis", "Dumont", "Marie", "Lemaire", "Noël", "Meyer", "Dufour", "Meunier",
	"Brun", "Blanchard", "Giraud", "Joly", "Rivière", "Lucas", "Brunet", "Gaillard", "Barbier", "Arnaud",
	"Martinez", "Gérard", "Roche", "Renard", "Schmitt", "Roy", "Leroux", "Colin", "Vidal", "Caron",
	"Picard", "Roger", "Fabre", "Aubert", "Lemoine", "Renaud", "Dumas", "Lacroix", "Olivier", "Philippe",
	"Bourgeois", "Pierre", "Benoît", "Rey", "Leclerc", "Payet", "Rolland", "Leclercq", "Guillaume", "Lecomte",
	"Lopez", "Jean", "Dupuy", "Guillot", "Hubert", "Berger", "Carpentier", "Sanchez", "Dupuis", "Moulin",
	"Louis", "Deschamps", "Huet", "Vasseur", "Perez", "Boucher", "Fleury", "Royer", "Klein", "Jacquet",
	"Adam", "Paris", "Poirier", "Marty", "Aubry", "Guyot", "Carré", "Charles", "Renault", "Charpentier",
	"Ménard", "Maillard", "Baron", "Bertin", "Bailly", "Hervé", "Schneider", "Fernandez", "Le Gall", "Collet",
	"Léger", "Bouvier", "Julien", "Prévost", "Millet", "Perrot", "Daniel", "Le Roux", "Cousin", "Germain",
}

// streets of addresses.
var streets = []string{
	"rue de la République", "avenue Jean-Jaurès", "place de la Mairie", "rue Victor-Hugo", "boulevard Gambetta",
	"rue Pasteur", "allée des Tilleuls", "rue du Général-de-Gaulle", "place de l'Église", "rue des Écoles",
	"chemin des Vignes", "rue Jules-Ferry", "avenue de la Gare", "rue Émile-Zola", "place du Marché",
	"rue de la Liberté", "impasse des Lilas", "rue du 8-Mai-1945", "avenue Aristide-Briand", "rue Jean-Moulin",
}

// mentorThemes are the themes mediators offer to mentor on.
var mentorThemes = []string{
	"Démarches administratives en ligne", "Animation d'ateliers collectifs", "Accompagnement des seniors",
	"Sécurité et données personnelles", "Insertion professionnelle", "Parentalité et numérique",
	"Accueil des publics éloignés", "Montage de projets et financements", "Aidants Connect", "Pix et certification",
}

// publicsText are the people a bio says one helps.
var publicsText = []string{
	"les seniors", "les jeunes en insertion", "les familles", "les personnes allophones",
	"les demandeurs d'emploi", "les habitants des quartiers prioritaires", "les personnes en situation de handicap",
	"les agriculteurs et artisans", "les étudiants", "les personnes éloignées du numérique",
}

// topicsText are what a bio says one works on.
var topicsText = []string{
	"les démarches administratives en ligne", "la prise en main du smartphone", "la sécurité en ligne",
	"la recherche d'emploi", "l'usage de la messagerie et des visioconférences", "l'accès aux droits (CAF, Ameli, impots.gouv)",
	"la création de contenus", "le contrôle parental et les écrans", "la bureautique", "l'identité numérique et FranceConnect",
}

// bios by kind: %[1]s commune, %[2]s public, %[3]s topic, %[4]d year.
var bios = map[string][]string{
	"conseiller": {
		"Conseiller·e numérique à %[1]s depuis %[4]d, j'accompagne %[2]s sur %[3]s, en rendez-vous individuels et en ateliers.",
		"Je tiens des permanences numériques à %[1]s et alentour. Mes sujets : %[3]s. Je cherche à échanger avec d'autres conseillers du territoire.",
		"Recruté·e en %[4]d dans le dispositif Conseillers numériques, j'interviens à %[1]s pour accompagner %[2]s.",
	},
	"mediateur": {
		"Médiateur·rice numérique depuis %[4]d à %[1]s. J'anime un espace public numérique et j'accompagne %[2]s sur %[3]s.",
		"Responsable d'un lieu de médiation à %[1]s, je forme et j'accompagne les nouveaux conseillers sur %[3]s.",
		"J'accompagne %[2]s à %[1]s depuis %[4]d ; j'aime transmettre et je suis disponible pour du mentorat.",
	},
	"aidant": {
		"Aidant·e numérique à %[1]s : j'aide %[2]s dans %[3]s, dans le respect de la charte de l'aidant.",
		"Travailleur·se social·e à %[1]s, j'accompagne %[2]s et je passe le relais aux médiateurs quand il le faut.",
		"Bénévole depuis %[4]d, j'aide %[2]s de %[1]s à se repérer dans %[3]s.",
	},
	"coordinateur": {
		"Coordinateur·rice territorial·e basé·e à %[1]s : j'anime le réseau des conseillers et médiateurs du territoire depuis %[4]d.",
		"J'organise le maillage de la médiation numérique autour de %[1]s : mentorat, formations, partage de pratiques.",
	},
}
