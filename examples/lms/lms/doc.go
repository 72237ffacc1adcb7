// Package lms is a loan-management system on Tenantry, the second example
// application after examples/items: each lending company is a tenant whose
// schema holds its borrowers, loans and payments, served at /api/borrowers/
// and /api/loans/ on the tenant's host.
//
// Amounts are integers in the minor unit of their currency and are also
// answered formatted in the tenant's locale (principal and
// principal_display). The roles (superadmin, admin, loan_officer,
// collector, viewer) replace Tenantry's built-in ones; see Roles. Two tenant
// settings in tenantry.Tenant.Features change the rules: see
// FeaturePartialPayments and FeatureOfficerLimit.
package lms
