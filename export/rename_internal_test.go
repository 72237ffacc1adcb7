package export

import "testing"

func TestRenamerRewritesOnlyTheSchemasName(t *testing.T) {
	rn := renamer{from: "tenant_a", to: "tenant_copy"}
	cases := []struct{ in, want string }{
		{"CREATE TABLE tenant_a.items (id bigint);", "CREATE TABLE tenant_copy.items (id bigint);"},
		{`CREATE TABLE "tenant_a"."items" (id bigint);`, `CREATE TABLE "tenant_copy"."items" (id bigint);`},
		{"ALTER TABLE ONLY tenant_a.t ALTER COLUMN id SET DEFAULT nextval('tenant_a.t_id_seq'::regclass);",
			"ALTER TABLE ONLY tenant_copy.t ALTER COLUMN id SET DEFAULT nextval('tenant_copy.t_id_seq'::regclass);"},
		{"SELECT pg_catalog.setval('tenant_a.s', 5, true);", "SELECT pg_catalog.setval('tenant_copy.s', 5, true);"},
		{"COMMENT ON SCHEMA tenant_a IS 'x';", "COMMENT ON SCHEMA tenant_copy IS 'x';"},
		{"CREATE FUNCTION tenant_a.f() RETURNS int SET search_path TO 'tenant_a' AS $$ SELECT 1 FROM tenant_a.t $$;",
			"CREATE FUNCTION tenant_copy.f() RETURNS int SET search_path TO 'tenant_copy' AS $$ SELECT 1 FROM tenant_a.t $$;"},
		// a column, a value, a comment and a longer name that merely look alike
		{"CREATE TABLE tenant_a.t (tenant_a int DEFAULT 'tenant_a is here', tenant_ab int); -- tenant_a.x",
			"CREATE TABLE tenant_copy.t (tenant_a int DEFAULT 'tenant_a is here', tenant_ab int); -- tenant_a.x"},
		{"COMMENT ON TABLE tenant_a.t IS E'it''s \\' tenant_a.t';", "COMMENT ON TABLE tenant_copy.t IS E'it''s \\' tenant_a.t';"},
		{"/* tenant_a.t /* nested */ tenant_a.u */ SELECT 1;", "/* tenant_a.t /* nested */ tenant_a.u */ SELECT 1;"},
		{"CREATE TABLE tenant_ab.t ();", "CREATE TABLE tenant_ab.t ();"},
	}
	for _, c := range cases {
		if got := rn.rewrite(c.in); got != c.want {
			t.Errorf("rewrite(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

func TestLexerEndsStatementsOnlyOutsideQuotes(t *testing.T) {
	cases := []struct {
		in   string
		want int // index after the statement's ;, or -1
	}{
		{"SELECT 1; SELECT 2;", 9},
		{"SELECT ';'; ", 11},
		{`SELECT ";"; `, 11},
		{"SELECT E'\\';'; ", 14},
		{"SELECT $x$ ; $x$;", 17},
		{"SELECT 1 -- ; \n;", 16},
		{"SELECT /* ; /* ; */ ; */ 1;", 27},
		{"CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 1 END; END;", 93},
		{"SELECT 'unterminated;", -1},
	}
	for _, c := range cases {
		var st lexState
		if got := st.feed(c.in); got != c.want {
			t.Errorf("feed(%q) = %d, want %d", c.in, got, c.want)
		}
	}
}
