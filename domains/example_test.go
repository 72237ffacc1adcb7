package domains_test

import (
	"fmt"

	"github.com/tenantry/tenantry/domains"
)

func ExampleNormalize() {
	for _, in := range []string{"Shop.Example.COM.", "Bücher.example", "аpple.com", "*.example.com", "192.0.2.1"} {
		name, err := domains.Normalize(in)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(name)
	}
	// Output:
	// shop.example.com
	// xn--bcher-kva.example
	// xn--pple-43d.com
	// invalid domain "*.example.com": must not be a wildcard: add each domain by name
	// invalid domain "192.0.2.1": must be a domain name, not an IP address
}
