package lms

import "github.com/tenantry/tenantry/auth"

// The application's permissions.
const (
	BorrowersRead  auth.Permission = "borrowers:read"
	BorrowersWrite auth.Permission = "borrowers:write" // create, change and delete borrowers
	LoansRead      auth.Permission = "loans:read"
	LoansWrite     auth.Permission = "loans:write"   // create loans, change drafts, withdraw
	LoansApprove   auth.Permission = "loans:approve" // approve, disburse, default, write off
	// LoansApproveAny lifts the officer limit (FeatureOfficerLimit).
	LoansApproveAny auth.Permission = "loans:approve_any"
	PaymentsRead    auth.Permission = "payments:read"
	PaymentsRecord  auth.Permission = "payments:record"
)

// The application's roles, which replace Tenantry's built-in ones.
const (
	RoleSuperadmin  = "superadmin"   // everything, owners included; a tenant's first user
	RoleAdmin       = "admin"        // users (not superadmins) and all data
	RoleLoanOfficer = "loan_officer" // borrowers and loans, approvals up to the officer limit
	RoleCollector   = "collector"    // records payments; reads borrowers and loans
	RoleViewer      = "viewer"       // reads everything but users; joins get this role
)

// Roles is the application's whole role table.
var Roles = auth.Policy{
	RoleSuperadmin: {BorrowersRead, BorrowersWrite, LoansRead, LoansWrite, LoansApprove, LoansApproveAny,
		PaymentsRead, PaymentsRecord, auth.UsersRead, auth.UsersManage, auth.OwnersManage, auth.AuditRead, auth.ProfileRead},
	RoleAdmin: {BorrowersRead, BorrowersWrite, LoansRead, LoansWrite, LoansApprove, LoansApproveAny,
		PaymentsRead, PaymentsRecord, auth.UsersRead, auth.UsersManage, auth.AuditRead, auth.ProfileRead},
	RoleLoanOfficer: {BorrowersRead, BorrowersWrite, LoansRead, LoansWrite, LoansApprove, PaymentsRead, auth.ProfileRead},
	RoleCollector:   {BorrowersRead, LoansRead, PaymentsRead, PaymentsRecord, auth.ProfileRead},
	RoleViewer:      {BorrowersRead, LoansRead, PaymentsRead, auth.ProfileRead},
}
