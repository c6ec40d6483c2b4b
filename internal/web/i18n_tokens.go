package web

func init() {
	addMessages(map[string][2]string{
		"account.flash.token_revoked": {"Le jeton a été révoqué : il ne donne plus accès à l'API.", "The token was revoked: it no longer gives access to the API."},

		"account.api":      {"Accès à l'API", "API access"},
		"account.api.text": {"Des jetons personnels permettent à vos programmes d'utiliser l'API de Maillage en votre nom.", "Personal tokens let your programs use the Maillage API on your behalf."},
		"account.api.link": {"Gérer mes jetons d'API", "Manage my API tokens"},

		"account.tokens.title":         {"Jetons d'API", "API tokens"},
		"account.tokens.lead":          {"Un jeton permet à un programme (script, tableur, autre service) d'utiliser l'API de Maillage en votre nom, avec vos droits. Il ne donne pas accès aux pages de votre compte. Révoquez un jeton dès qu'il ne sert plus ou s'il a pu être vu par quelqu'un d'autre.", "A token lets a program (script, spreadsheet, other service) use the Maillage API on your behalf, with your rights. It does not open your account pages. Revoke a token as soon as it is no longer used or may have been seen by someone else."},
		"account.tokens.back":          {"Retour à mon compte", "Back to my account"},
		"account.tokens.new":           {"Votre nouveau jeton", "Your new token"},
		"account.tokens.new.warning":   {"Copiez-le maintenant : il ne sera plus jamais affiché. Maillage n'en garde qu'une empreinte.", "Copy it now: it will never be shown again. Maillage only keeps a fingerprint of it."},
		"account.tokens.new.label":     {"Jeton « %s »", "Token “%s”"},
		"account.tokens.usage":         {"Exemple d'utilisation", "Example"},
		"account.tokens.doc":           {"Description complète de l'API (OpenAPI 3)", "Full API description (OpenAPI 3)"},
		"account.tokens.create":        {"Créer un jeton", "Create a token"},
		"account.tokens.name.label":    {"Nom du jeton", "Token name"},
		"account.tokens.name.hint":     {"Pour le reconnaître plus tard, par exemple : « export mensuel ». 80 caractères au plus.", "To recognise it later, for example: “monthly export”. 80 characters at most."},
		"account.tokens.create.submit": {"Créer le jeton", "Create the token"},
		"account.tokens.list":          {"Mes jetons", "My tokens"},
		"account.tokens.caption":       {"Vos jetons d'API, actifs d'abord", "Your API tokens, active first"},
		"account.tokens.empty":         {"Vous n'avez encore aucun jeton.", "You have no token yet."},
		"account.tokens.col.name":      {"Nom", "Name"},
		"account.tokens.col.created":   {"Créé le", "Created"},
		"account.tokens.col.used":      {"Dernière utilisation", "Last used"},
		"account.tokens.col.state":     {"État", "State"},
		"account.tokens.col.action":    {"Action", "Action"},
		"account.tokens.never":         {"jamais", "never"},
		"account.tokens.active":        {"actif", "active"},
		"account.tokens.revoked":       {"révoqué le %s", "revoked on %s"},
		"account.tokens.revoke":        {"Révoquer", "Revoke"},
		"account.tokens.revoke.label":  {"Révoquer le jeton « %s »", "Revoke the token “%s”"},
	})
}
