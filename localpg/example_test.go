package localpg_test

import (
	"context"
	"fmt"
	"os"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/localpg"
)

func ExampleStart() {
	dir, err := os.MkdirTemp("", "localpg-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	c, err := localpg.Start(ctx, &localpg.Config{Dir: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Stop()
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close(ctx)
	var user string
	if err := conn.QueryRow(ctx, "SELECT current_user").Scan(&user); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(user)
	// Output: app
}
