package domains_test

import (
	"context"
	"fmt"
	"log"

	"github.com/tenantry/tenantry/domains"
	"github.com/tenantry/tenantry/tenanttest"
	"github.com/tenantry/tenantry/tenanttest/dnstest"
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

// A subdomain of the base domain routes at once; any other domain waits,
// pending, until its owner publishes the token (here checked against a
// DNS server on loopback) and a check verifies it.
func ExampleService_Add() {
	env, done := tenanttest.NewExample(nil)
	defer done()
	ctx := context.Background()
	if _, err := env.NewTenant(ctx, "acme"); err != nil {
		log.Fatal(err)
	}
	dns := dnstest.StartExample()
	defer dns.Close()
	svc, err := domains.New(env.Pool, &domains.Config{BaseDomain: "test", Resolver: dns.Addr})
	if err != nil {
		log.Fatal(err)
	}

	shop, err := svc.Add(ctx, "acme", "shop.acme.test", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(shop.Name, shop.Status)

	own, err := svc.Add(ctx, "acme", "Acme-Corp.example", &domains.AddOptions{Primary: true})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(own.Name, own.Status, "until TXT", own.TXTName(), "holds the token")
	dns.SetTXT(own.TXTName(), own.Token)
	own, err = svc.Verify(ctx, "acme", "acme-corp.example")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(own.Name, own.Status, "by", own.VerifiedBy, "primary:", own.Primary)
	// Output:
	// shop.acme.test verified
	// acme-corp.example pending until TXT _tenantry.acme-corp.example holds the token
	// acme-corp.example verified by dns primary: true
}
