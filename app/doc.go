// Package app declares an application built on Tenantry: its tenant and
// shared migrations, its roles, its HTTP routes, its seed hooks, its jobs and
// its own commands. An application's main calls cli.Run with its App, and
// its binary gets every command of the tenantry binary (dev, serve, worker,
// migrate, tenant ..., bench) working on its tables, plus its own.
//
// Tenantry's own tables (users, sessions, the registry) come first in each
// schema; an application's migrations are a line of their own after them,
// numbered from 0001 and recorded in each schema's ledger under the
// application's name, so Tenantry's later releases and the application's
// migrations never collide.
package app
