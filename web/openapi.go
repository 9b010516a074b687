package web

import (
	_ "embed"
	"encoding/json"
	"fmt"

	"gopkg.in/yaml.v3"
)

// openAPIYAML is the hand-written description of the API. A test checks
// real requests and responses of every API route against it.
//
//go:embed openapi.yaml
var openAPIYAML []byte

// OpenAPIYAML returns the API description as written.
func OpenAPIYAML() []byte { return openAPIYAML }

// openAPIJSON converts the description to JSON once, with the running
// version filled in.
func openAPIJSON(version string) ([]byte, error) {
	var raw any
	if err := yaml.Unmarshal(openAPIYAML, &raw); err != nil {
		return nil, fmt.Errorf("web: parse openapi.yaml: %w", err)
	}
	doc, ok := stringKeys(raw).(map[string]any)
	if !ok {
		return nil, fmt.Errorf("web: openapi.yaml is not a mapping")
	}
	if info, ok := doc["info"].(map[string]any); ok {
		info["version"] = version
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("web: convert openapi.yaml to JSON: %w", err)
	}
	return b, nil
}

// stringKeys makes every mapping JSON-encodable: YAML reads unquoted keys
// such as response codes (200:) as numbers.
func stringKeys(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = stringKeys(e)
		}
		return v
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[fmt.Sprint(k)] = stringKeys(e)
		}
		return m
	case []any:
		for i, e := range v {
			v[i] = stringKeys(e)
		}
		return v
	}
	return v
}
