package web

import (
	"context"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// loadOpenAPI parses and validates web/openapi.yaml with kin-openapi.
func loadOpenAPI(tb testing.TB) *openapi3.T {
	tb.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(OpenAPIYAML())
	if err != nil {
		tb.Fatalf("LoadFromData(openapi.yaml) = %v, want a loaded document", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		tb.Fatalf("openapi.yaml Validate() = %v, want a valid OpenAPI 3.1 document", err)
	}
	return doc
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc := loadOpenAPI(t)
	if !doc.IsOpenAPI31OrLater() {
		t.Errorf("openapi.yaml declares %q, want 3.1.x", doc.OpenAPI)
	}
}
