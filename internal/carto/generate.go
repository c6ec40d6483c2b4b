package carto

//go:generate sh -c "cd ../.. && go run ./internal/carto/convert"
