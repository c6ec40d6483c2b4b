package lieux

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"maillage/internal/maillage"
)

// ParseJSON reads a JSON file of lieux: an array of objects whose keys are
// the schema field names. Values are text as in the CSV format ("|" or ";"
// between the values of a list), or for convenience arrays of text for lists
// and numbers for latitude, longitude and codes. Line in the report is the
// position of the object in the array (1 for the first). The same policy as
// ParseCSV applies; a file that is not UTF-8 or not well-formed JSON, or not
// an array, is refused as a whole.
func ParseJSON(r io.Reader, opt Options) (*Report, error) {
	data, err := readText(r)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	notArray := maillage.Errorf(maillage.EINVALID, KeyFileNotArray)
	if tok, err := dec.Token(); err != nil {
		return nil, jsonError(data, err)
	} else if tok != json.Delim('[') {
		return nil, notArray
	}
	var objs []map[string]any
	var lines []int
	var notObjects []int
	keys := map[string]bool{}
	for n := 1; dec.More(); n++ {
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, jsonError(data, err)
		}
		obj, ok := v.(map[string]any)
		if !ok {
			notObjects = append(notObjects, n)
			continue
		}
		for k := range obj {
			keys[strings.ToLower(strings.TrimSpace(k))] = true
		}
		objs, lines = append(objs, obj), append(lines, n)
	}
	if _, err := dec.Token(); err != nil {
		return nil, jsonError(data, err)
	}
	im := newImporter(opt)
	var names, unknown []string
	for k := range keys {
		if _, ok := schema.byName[k]; ok || v0Known(k) {
			names = append(names, k)
		} else {
			unknown = append(unknown, clean(k))
		}
	}
	sort.Strings(names)
	sort.Strings(unknown)
	im.v0 = isV0Header(names)
	next := 0
	for i, obj := range objs {
		for next < len(notObjects) && notObjects[next] < lines[i] {
			im.rep.Total++
			im.rep.Errors = append(im.rep.Errors, RowError{Line: notObjects[next], Key: KeyNotObject})
			next++
		}
		raw, pre := map[string]string{}, []RowError(nil)
		for k, val := range obj {
			name := strings.ToLower(strings.TrimSpace(k))
			if _, ok := schema.byName[name]; !ok && !v0Known(name) {
				continue
			}
			s, ok := jsonText(val)
			if !ok {
				pre = append(pre, RowError{Field: name, Key: KeyJSONType, Args: []any{"Field", name}})
				continue
			}
			raw[name] = s
		}
		im.add(lines[i], raw, pre)
	}
	for ; next < len(notObjects); next++ {
		im.rep.Total++
		im.rep.Errors = append(im.rep.Errors, RowError{Line: notObjects[next], Key: KeyNotObject})
	}
	if len(unknown) > 0 {
		im.fileWarning(0, KeyFieldsUnknown, "Fields", strings.Join(unknown, ", "))
	}
	// The columns of a JSON file are the fields its objects carry; each
	// object stores only its own.
	carried := map[string]bool{}
	for _, r := range im.rep.Rows {
		for _, f := range r.Present {
			carried[f] = true
		}
	}
	for _, f := range schema.Fields {
		if carried[f.Name] {
			im.rep.Columns = append(im.rep.Columns, f.Name)
		}
	}
	return im.finish(), nil
}

// jsonText turns a JSON value into the text of a CSV cell.
func jsonText(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "", true
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case []any:
		parts := make([]string, 0, len(v))
		for _, it := range v {
			s, ok := jsonText(it)
			if _, isList := it.([]any); !ok || isList {
				return "", false
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, Separator), true
	}
	return "", false
}

func jsonError(data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return maillage.Wrap(maillage.EINVALID, err, KeyFileJSONSyntax, "Line", lineAt(data, se.Offset))
	case errors.As(err, &te):
		return maillage.Wrap(maillage.EINVALID, err, KeyFileJSONSyntax, "Line", lineAt(data, te.Offset))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return maillage.Wrap(maillage.EINVALID, err, KeyFileJSONIncomplete)
	}
	return maillage.Wrap(maillage.EINVALID, err, KeyFileJSONUnreadable)
}

func lineAt(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// WriteJSON writes lieux as a JSON array, one object per line, keys in the
// order of schema.json, values as in the CSV format (text, lists joined with
// "|", dates YYYY-MM-DD) except latitude and longitude, which are numbers.
// Empty fields are left out. Lieux are validated first, as for WriteCSV
// (Line = position in the array).
func WriteJSON(w io.Writer, lieux []maillage.Lieu) error {
	if err := validateAll(lieux, 1); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	bw.WriteString("[")
	for i := range lieux {
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n{")
		n := 0
		for j, v := range row(&lieux[i]) {
			if v == "" {
				continue
			}
			f := schema.Fields[j]
			if n > 0 {
				bw.WriteString(",")
			}
			n++
			bw.Write(jsonString(f.Name))
			bw.WriteString(":")
			if f.Type == "number" {
				bw.WriteString(v)
			} else {
				bw.Write(jsonString(v))
			}
		}
		bw.WriteString("}")
	}
	bw.WriteString("\n]\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write lieux json: %w", err)
	}
	return nil
}

// jsonString encodes s without escaping <, > and & (kept readable).
func jsonString(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
