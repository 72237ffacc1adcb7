package lms

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/api"
)

// Register mounts the loan-management API on r: the App's Routes.
func Register(r *api.Routes) error {
	registerBorrowers(r)
	registerLoans(r)
	registerPayments(r)
	return nil
}

// op describes one operation of the API.
func op(tag, id, method, path, summary, desc string, status int, errs ...int) huma.Operation {
	return huma.Operation{OperationID: id, Method: method, Path: path, Tags: []string{tag}, Summary: summary,
		Description: desc, DefaultStatus: status, Errors: append([]int{404}, errs...)}
}

func registerBorrowers(r *api.Routes) {
	const tag = "borrowers"
	api.RegisterRead(r, op(tag, "listBorrowers", http.MethodGet, "/api/borrowers", "List borrowers, newest first",
		"A page of limit borrowers after offset; count is how many there are in all.", 0), BorrowersRead, listBorrowers)
	api.Register(r, op(tag, "createBorrower", http.MethodPost, "/api/borrowers", "Add a borrower",
		"created_by is the caller. A second borrower with the same national_id is 409.", http.StatusCreated, 409, 413, 415),
		BorrowersWrite, createBorrower)
	api.RegisterRead(r, op(tag, "getBorrower", http.MethodGet, "/api/borrowers/{id}", "Get a borrower", "", 0),
		BorrowersRead, getBorrower)
	api.Register(r, op(tag, "patchBorrower", http.MethodPatch, "/api/borrowers/{id}", "Change some of a borrower's fields",
		"Changes only the fields given; a blank email, phone or national_id clears it.", 0, 409, 413, 415),
		BorrowersWrite, patchBorrower)
	api.Register(r, op(tag, "deleteBorrower", http.MethodDelete, "/api/borrowers/{id}", "Delete a borrower",
		"A borrower with loans cannot be deleted (409).", http.StatusNoContent, 409), BorrowersWrite, deleteBorrower)
}

func registerLoans(r *api.Routes) {
	const tag = "loans"
	api.RegisterRead(r, op(tag, "listLoans", http.MethodGet, "/api/loans", "List loans, newest first",
		"A page of limit loans after offset, of one status or borrower when asked.", 0), LoansRead, listLoans)
	api.Register(r, op(tag, "createLoan", http.MethodPost, "/api/loans", "Make a loan",
		"The loan is a draft; officer_id is the caller; currency defaults to the tenant's default currency.",
		http.StatusCreated, 413, 415), LoansWrite, createLoan)
	api.RegisterRead(r, op(tag, "getLoan", http.MethodGet, "/api/loans/{id}", "Get a loan", "", 0), LoansRead, getLoan)
	api.Register(r, op(tag, "patchLoan", http.MethodPatch, "/api/loans/{id}", "Change a loan's terms or status",
		"A draft's terms change freely. Status moves: draft to approved (loans:approve) or closed (withdrawn); "+
			"approved to disbursed (loans:approve), draft or closed; disbursed to defaulted (loans:approve); "+
			"defaulted to closed (written off, loans:approve). A disbursed loan closes when it is paid. "+
			"Other moves are 409. Approving and disbursing are bound by the officer limit (loans.officer_limit) "+
			"for users without loans:approve_any.", 0, 409, 413, 415), LoansWrite, loanPatcher{r.Policy()}.patch)
}

func registerPayments(r *api.Routes) {
	const tag = "payments"
	api.RegisterRead(r, op(tag, "listPayments", http.MethodGet, "/api/loans/{id}/payments", "List a loan's payments, latest first",
		"", 0), PaymentsRead, listPayments)
	api.Register(r, op(tag, "recordPayment", http.MethodPost, "/api/loans/{id}/payments", "Record a payment",
		"Only on a disbursed loan (else 409), in its currency, at most its outstanding balance (else 422); "+
			"the payment that settles the balance closes the loan. With payments.partial false, a payment must settle it.",
		http.StatusCreated, 409, 413, 415), PaymentsRecord, recordPayment)
}
