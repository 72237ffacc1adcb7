// Package items is Tenantry's reference application: each tenant keeps a
// list of items (name and description), served at /api/items/ on the
// tenant's host. The stock tenantry binary is this application, built
// through the same entry point as any other (cli.Run(items.App())), so it
// is also the smallest complete example of an application on Tenantry.
package items
