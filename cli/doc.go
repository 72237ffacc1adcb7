// Package cli is the tenantry command: the operator's tool and the server,
// built only on the library's public packages. cmd/tenantry calls Main.
package cli
