// Command maillage is the portal: serve, run (with local services), migrate,
// and the tools around them.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"maillage/internal/config"
	"maillage/internal/localsvc"
)

const usage = `maillage — le portail de la médiation numérique

Usage:
  maillage run                 services locaux si besoin, migrations, contenus, démo, portail
  maillage serve               portail seul (DATABASE_URL et MEILI_URL requis)
  maillage migrate up|down|status
  maillage seed --demo [--seed N]
                               charge le réseau de démonstration (base sans profils)
  maillage import lieux FICHIER
                               importe des lieux au standard national (CSV ou JSON)
  maillage import rncp CHEMIN  importe les fiches RNCP et RS de France compétences (archive
                               export-fiches-csv-AAAA-MM-JJ.zip ou export XML)
  maillage import lheo FICHIER importe des offres de formation LHEO 2.3 ou 2.2 (une transaction)
  maillage export lheo [--siret SIRET] > FICHIER
                               exporte les offres de formation (toutes, ou d'un organisme) en LHEO 2.3
  maillage match --dry-run [--departement 69 | --region 84]
                               calcule l'appariement optimal conseillers–mentors d'un
                               territoire (la France par défaut) et affiche les
                               propositions et les chiffres, sans rien écrire
  maillage charter verify      vérifie toute la chaîne des signatures de la charte et nomme
                               le premier enregistrement qui ne tient pas (DATABASE_URL requis)
  maillage reindex             reconstruit les index de recherche depuis la base et les
                               bascule d'un coup (DATABASE_URL et MEILI_URL requis)
  maillage services exec -- CMD [ARGS…]
                               démarre PostgreSQL et Meilisearch éphémères, lance CMD
                               avec DATABASE_URL, MEILI_URL, MEILI_MASTER_KEY, puis les arrête

Configuration: variables d'environnement (voir README.md).
`

func main() {
	os.Exit(run(os.Args[1:]))
}

// exit codes
const (
	exitOK     = 0
	exitFail   = 1
	exitConfig = 2
)

func run(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return exitConfig
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var err error
	switch args[0] {
	case "run":
		err = cmdRun(ctx, true)
	case "serve":
		err = cmdRun(ctx, false)
	case "migrate":
		err = cmdMigrate(ctx, args[1:])
	case "import":
		err = cmdImport(ctx, args[1:])
	case "export":
		err = cmdExport(ctx, args[1:])
	case "seed":
		err = cmdSeed(ctx, args[1:])
	case "charter":
		err = cmdCharter(ctx, args[1:])
	case "reindex":
		err = cmdReindex(ctx)
	case "match":
		err = cmdMatch(ctx, args[1:])
	case "services":
		return cmdServices(ctx, args[1:])
	case "help", "-h", "--help":
		fmt.Print(usage)
		return exitOK
	default:
		fmt.Fprintf(os.Stderr, "unknown command %q\n\n%s", args[0], usage)
		return exitConfig
	}
	return exitCode(err)
}

func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ps config.Problems
	if errors.As(err, &ps) {
		fmt.Fprintln(os.Stderr, err)
		return exitConfig
	}
	if localsvc.IsMissing(err) {
		fmt.Fprintln(os.Stderr, "maillage:", err)
		return exitConfig
	}
	if errors.Is(err, context.Canceled) {
		return exitOK
	}
	fmt.Fprintln(os.Stderr, "maillage:", err)
	return exitFail
}
