package web

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/debriefhq/debrief/debrief"
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

// TestEveryAPIRouteIsDocumented walks the route table: every API route must
// have its path and method in openapi.yaml, so a new route cannot ship
// undescribed.
func TestEveryAPIRouteIsDocumented(t *testing.T) {
	doc := loadOpenAPI(t)
	srv := New(Config{Service: debrief.NewService(nil)})
	for _, rt := range srv.Routes() {
		if rt.Kind != KindAPI && !strings.HasPrefix(rt.Pattern, "GET /api/") {
			continue
		}
		method, path, ok := strings.Cut(rt.Pattern, " ")
		if !ok {
			t.Errorf("route %q has no method; every route names one", rt.Pattern)
			continue
		}
		item := doc.Paths.Value(path)
		if item == nil {
			t.Errorf("route %q: path %s is not in openapi.yaml", rt.Pattern, path)
			continue
		}
		if item.GetOperation(method) == nil {
			t.Errorf("route %q: openapi.yaml describes %s but not its %s", rt.Pattern, path, method)
		}
	}
}

// TestOpenAPIServedAsJSON checks the served document is the YAML one.
func TestOpenAPIServedAsJSON(t *testing.T) {
	srv := New(Config{Service: debrief.NewService(nil), Version: "9.9.9"})
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/openapi.json", nil))
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("GET /api/v1/openapi.json = %d %q, want 200 application/json", rec.Code, rec.Header().Get("Content-Type"))
	}
	doc, err := openapi3.NewLoader().LoadFromData(rec.Body.Bytes())
	if err != nil {
		t.Fatalf("served openapi.json does not load: %v", err)
	}
	if doc.Info.Version != "9.9.9" {
		t.Errorf("served info.version = %q, want the server's version 9.9.9", doc.Info.Version)
	}
	if len(doc.Paths.Map()) != len(loadOpenAPI(t).Paths.Map()) {
		t.Errorf("served document has %d paths, openapi.yaml %d", len(doc.Paths.Map()), len(loadOpenAPI(t).Paths.Map()))
	}
}
